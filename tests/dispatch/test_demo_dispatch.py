"""The demo has one finished dispatch round (visits logged, confirmed and rated, a
cooperation proposed) and one running."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.dispatch.models import Round, Visit

pytestmark = pytest.mark.django_db


def test_demo_rounds() -> None:
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    done = Round.objects.get(status=Round.Status.CLOSED)
    running = Round.objects.get(status=Round.Status.PUBLISHED)
    rated = Visit.objects.filter(assignment__round=done, rating__isnull=False)
    assert rated.exists()
    assert Visit.objects.filter(assignment__round=done, match__isnull=False).exists()
    assert running.assignments.filter(volunteer__expert__user__username="demo_expert").exists()
