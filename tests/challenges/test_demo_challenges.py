"""The demo tells the programmes' story: a closed list awarded (a pair per award, milestones
under way, one overdue), an open list taking bids, a competition finished stage by stage."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from matching.models import MatchStatus
from portal.challenges.models import Entry, Milestone, Programme, Stage

pytestmark = pytest.mark.django_db


def test_demo_programmes() -> None:
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    lists = Programme.objects.filter(kind="challenge_list")
    closed = lists.get(status=Programme.Status.FINAL)
    assert lists.get(status=Programme.Status.OPEN).entries_open
    awarded = list(closed.entries.filter(status=Entry.Status.AWARDED))
    assert awarded
    for entry in awarded:
        assert entry.match is not None
        assert entry.match.status in (MatchStatus.NEGOTIATING, MatchStatus.SIGNED)
    milestones = Milestone.objects.filter(entry__programme=closed)
    assert milestones.filter(done_at__isnull=False).exists()
    assert any(m.is_overdue for m in milestones)
    contest = Programme.objects.get(kind="competition")
    assert contest.status == Programme.Status.FINAL
    assert contest.stages.count() == 3
    assert not contest.stages.exclude(status=Stage.Status.CLOSED).exists()
    winners = contest.entries.filter(status=Entry.Status.AWARDED)
    assert winners.count() == contest.groups.count()
