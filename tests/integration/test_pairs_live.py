"""The pair and its lists against real PostgreSQL, Redis and a Celery worker."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.models import User
from matching.lists import services
from matching.models import Match, MatchCase, MatchStatus, Recommendation
from matching.pairs import services as pairs
from portal.models import PostingStatus
from portal.signals import posting_changed
from tests.integration.conftest import WorkerProcess, wait_for
from tests.matching.factories import (
    SOLAR_NEED,
    SOLAR_RESULT,
    WATER_RESULT,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
)

pytestmark = pytest.mark.django_db(transaction=True)


def _rank_of(need_pk: int, result_pk: int) -> int | None:
    entry = Recommendation.objects.filter(
        owner_kind="need", owner_id=need_pk, target_kind="result", match__result_id=result_pk
    ).first()
    return entry.rank if entry else None


def test_a_result_written_for_a_need_reaches_rank_1_within_10_s_and_leaves_on_withdrawal(
    celery_worker_process: WorkerProcess,
) -> None:
    assert connection.vendor == "postgresql"
    need = NeedFactory(**SOLAR_NEED)
    others = [ResultFactory(**WATER_RESULT) for _ in range(3)]
    for result in others:
        services.document_index(kind="result", pk=result.pk)
    services.document_match(kind="need", pk=need.pk)
    wait_for(lambda: "ready." in celery_worker_process.log(), timeout=60)

    fitting = ResultFactory(**SOLAR_RESULT)
    started = time.monotonic()
    with transaction.atomic():
        posting_changed.send(sender=type(fitting), kind="result", pk=fitting.pk)
    wait_for(lambda: _rank_of(need.pk, fitting.pk) == 1, timeout=10, every=0.1)
    elapsed = time.monotonic() - started
    assert elapsed < 10

    fitting.status = PostingStatus.CLOSED
    fitting.save(update_fields=["status"])
    with transaction.atomic():
        posting_changed.send(sender=type(fitting), kind="result", pk=fitting.pk)
    wait_for(lambda: _rank_of(need.pk, fitting.pk) is None, timeout=10, every=0.1)
    assert not Match.objects.filter(result=fitting, status=MatchStatus.SUGGESTED).exists()
    assert "document_match_task" in celery_worker_process.log()


def test_two_simultaneous_approvals_give_one_case_and_one_clear_refusal(staff: User) -> None:
    assert connection.vendor == "postgresql"
    need = NeedFactory(**SOLAR_NEED)
    result = ResultFactory(**SOLAR_RESULT)
    for kind, obj in (("result", result), ("need", need)):
        services.document_index(kind=kind, pk=obj.pk)
    services.recommend_for(kind="need", pk=need.pk)
    pair = Match.objects.get(need=need, result=result)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve() -> None:
        try:
            barrier.wait(timeout=10)
            pairs.match_approve(match_id=pair.pk, user=staff)
            outcomes.append("approved")
        except ValidationError as exc:
            outcomes.append(f"refused:{exc.code}:{exc.messages[0]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "refused"]
    refusal = next(o for o in outcomes if o.startswith("refused"))
    assert ":conflict:" in refusal
    assert "不能重复审核" in refusal
    assert MatchCase.objects.filter(match=pair).count() == 1
    pair.refresh_from_db()
    assert pair.status == MatchStatus.APPROVED
    assert pair.transitions.count() == 1
