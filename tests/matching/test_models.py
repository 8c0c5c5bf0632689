from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from matching.models import JobStatus, Match, MatchDirection, MatchStatus, RematchJob
from tests.matching.factories import ExpertFactory, MatchFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


def test_a_pair_is_unique_per_direction() -> None:
    match = MatchFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(
            direction=MatchDirection.NEED_RESULT, need=match.need, result=match.result
        )
    # the same pair seen from the result's side is a separate suggestion
    Match.objects.create(direction=MatchDirection.RESULT_NEED, need=match.need, result=match.result)


def test_a_need_expert_pair_is_unique_per_direction() -> None:
    need, expert = NeedFactory(), ExpertFactory()
    Match.objects.create(direction=MatchDirection.NEED_EXPERT, need=need, expert=expert)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(direction=MatchDirection.NEED_EXPERT, need=need, expert=expert)


def test_the_counterpart_must_fit_the_direction() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(
            direction=MatchDirection.NEED_EXPERT, need=NeedFactory(), result=ResultFactory()
        )


def test_match_knows_its_counterpart_and_whether_staff_decided() -> None:
    match = MatchFactory()
    assert match.counterpart == match.result
    assert not match.is_decided
    back = Match.objects.create(
        direction=MatchDirection.RESULT_NEED,
        need=match.need,
        result=match.result,
        status=MatchStatus.APPROVED,
    )
    assert back.counterpart == match.need
    assert back.is_decided


def test_match_status_covers_the_whole_workflow() -> None:
    assert [s.value for s in MatchStatus] == [
        "suggested",
        "approved",
        "contacted",
        "negotiating",
        "intention",
        "signed",
        "landed",
        "rejected",
        "declined",
        "closed",
    ]


def test_job_percent_counts_both_phases() -> None:
    job = RematchJob(total=10, indexed=10, done=5)
    assert job.percent == 75
    assert RematchJob(total=0, status=JobStatus.DONE).percent == 100
    assert RematchJob(total=0).percent == 0
