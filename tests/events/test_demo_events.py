"""The demo tells the events' story: one meeting held (its positive outcomes are pairs in
the pipeline) and one coming, open for registration, co-hosted by the demo alliance."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from matching.models import MatchStatus, MatchTransition
from portal.events.models import Event, Meeting

pytestmark = pytest.mark.django_db


def test_demo_has_a_past_event_with_outcomes_and_an_upcoming_one_open() -> None:
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    past, upcoming = Event.objects.order_by("start_date")
    assert Event.objects.count() == 2
    assert past.is_past
    assert not past.registration_open
    assert upcoming.registration_open
    assert upcoming.alliance is not None
    held = Meeting.objects.filter(request__event=past).exclude(outcome="")
    positive = [m for m in held if m.is_positive]
    assert positive, "the past event has positive outcomes"
    for meeting in positive:
        pair = meeting.request.match
        assert pair is not None
        assert pair.status in (
            MatchStatus.CONTACTED,
            MatchStatus.INTENTION,
            MatchStatus.SIGNED,
        )
        assert MatchTransition.objects.filter(match=pair, source__contains=past.title).exists()
        # the pair began no later than the meeting that brought the two sides together
        assert pair.created_at <= meeting.slot.starts_at
