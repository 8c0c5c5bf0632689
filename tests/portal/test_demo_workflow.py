"""The demo pipeline seeded for seed_demo: idempotent, fills the dashboard, leaves the
walk-through pair alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import Organization, User
from matching.dashboards import stats
from matching.models import Match, MatchStatus, MatchTransition
from portal import demo
from portal.demo.workflow import seed_workflow

pytestmark = pytest.mark.django_db


def test_seed_workflow_moves_demo_pairs_once(django_capture_on_commit_callbacks: Any) -> None:
    # Publishing enqueues matching after commit; run those callbacks here.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    orgs = {spec.key: Organization.objects.get(name=spec.name) for spec in demo.DEMO_ORGS}
    seed_workflow(orgs)  # seed_demo may already have called it
    transitions = MatchTransition.objects.count()
    assert transitions > 0
    assert seed_workflow(orgs) == 0
    assert MatchTransition.objects.count() == transitions
    totals = stats.stats_for(user=User.objects.get(username="demo_staff"))["totals"]
    assert totals["signed"] >= 2
    assert totals["contract_value"] > 0
    assert totals["landed"] >= 1
    # The best demo_enterprise ↔ demo_researcher pair is left for a live walk-through.
    best = (
        Match.objects.filter(
            need__organization__name="山东齐鲁新材料科技有限公司",
            result__organization__name="山东大学",
        )
        .order_by("-score", "id")
        .first()
    )
    assert best is not None
    assert best.status == MatchStatus.SUGGESTED
    assert not best.transitions.exists()
    assert not Match.objects.filter(need=best.need).exclude(status=MatchStatus.SUGGESTED).exists()
