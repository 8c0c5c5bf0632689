from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from matching.models import JobStatus, Match, MatchStatus, PairKind, RematchJob
from tests.matching.factories import ExpertFactory, MatchFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_record_of_a_need_expert_pair() -> None:
    need, expert = NeedFactory(), ExpertFactory()
    Match.objects.create(kind=PairKind.NEED_EXPERT, need=need, expert=expert)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(kind=PairKind.NEED_EXPERT, need=need, expert=expert)


def test_the_counterpart_must_fit_the_kind_of_pair() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(kind=PairKind.NEED_EXPERT, need=NeedFactory(), result=ResultFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(
            kind=PairKind.NEED_RESULT,
            need=NeedFactory(),
            result=ResultFactory(),
            expert=ExpertFactory(),
        )


def test_a_pair_knows_its_offer_and_whether_staff_decided() -> None:
    pair = MatchFactory()
    assert pair.offer == pair.result
    assert not pair.is_decided
    expert_pair = MatchFactory(
        kind=PairKind.NEED_EXPERT, result=None, expert=ExpertFactory(), status=MatchStatus.APPROVED
    )
    assert expert_pair.offer == expert_pair.expert
    assert expert_pair.is_decided


def test_job_percent_counts_both_phases() -> None:
    job = RematchJob(total=10, indexed=10, done=5)
    assert job.percent == 75
    assert RematchJob(total=0, status=JobStatus.DONE).percent == 100
    assert RematchJob(total=0).percent == 0
