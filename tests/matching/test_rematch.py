from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from matching.lists import documents, rematch, services
from matching.models import (
    DocumentTerms,
    JobStatus,
    Match,
    MatchStatus,
    Recommendation,
    RematchChunk,
    RematchJob,
)
from portal.models import PostingStatus, Result
from tests.matching.factories import (
    SOLAR_EXPERT,
    SOLAR_NEED,
    SOLAR_RESULT,
    WATER_RESULT,
    ExpertFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registers() -> dict[str, Any]:
    return {
        "needs": [NeedFactory(**SOLAR_NEED) for _ in range(3)],
        "solar": ResultFactory(**SOLAR_RESULT),
        "water": ResultFactory(**WATER_RESULT),
        "expert": ExpertFactory(**SOLAR_EXPERT),
        "draft": ResultFactory(**SOLAR_RESULT, status=PostingStatus.DRAFT),
    }


def test_rematch_all_progress_reaches_total(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = rematch.rematch_all_start(chunk_size=2)
    job.refresh_from_db()
    assert job.total == 6  # 3 needs, 2 results, 1 expert; the draft is left out
    assert job.chunk_count == 8  # 4 slices, indexed then matched
    assert job.indexed == job.total
    assert job.done == job.total
    assert job.failed == 0
    assert job.status == JobStatus.DONE
    assert job.percent == 100
    assert job.finished_at is not None
    assert not RematchChunk.objects.exclude(status=JobStatus.DONE).exists()
    need = registers["needs"][0]
    assert Match.objects.filter(need=need, result=registers["solar"]).exists()
    assert Match.objects.filter(need=need, expert=registers["expert"]).exists()
    assert not Match.objects.filter(result=registers["draft"]).exists()


def test_rematch_twice_gives_the_same_pairs_and_lists(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    def state() -> tuple[list[Any], list[Any]]:
        pairs = Match.objects.values_list("id", "kind", "need", "result", "expert", "score")
        lists = Recommendation.objects.values_list(
            "owner_kind", "owner_id", "target_kind", "match", "rank"
        )
        return sorted(pairs), sorted(lists)

    with django_capture_on_commit_callbacks(execute=True):
        rematch.rematch_all_start()
    first = state()
    assert first[1]
    with django_capture_on_commit_callbacks(execute=True):
        rematch.rematch_all_start()
    assert state() == first
    assert RematchJob.objects.count() == 2


def test_a_staff_rejected_pair_stays_rejected_after_rematch_all(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rematch.rematch_all_start()
    need = registers["needs"][0]
    Match.objects.filter(need=need, result=registers["solar"]).update(status=MatchStatus.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        rematch.rematch_all_start()
    pair = Match.objects.get(need=need, result=registers["solar"])
    assert pair.status == MatchStatus.REJECTED


def test_a_withdrawn_document_disappears_from_suggestions_on_rematch(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rematch.rematch_all_start()
    solar = registers["solar"]
    assert Match.objects.filter(result=solar).exists()
    # withdrawn behind the engine's back: no hook call, only the row changes
    Result.objects.filter(pk=solar.pk).update(status=PostingStatus.EXPIRED)
    with django_capture_on_commit_callbacks(execute=True):
        rematch.rematch_all_start()
    assert not Match.objects.filter(result=solar).exists()
    assert not DocumentTerms.objects.get(kind="result", object_id=solar.pk).is_active


def test_only_one_rematch_runs_at_a_time(registers: dict[str, Any]) -> None:
    # without executing on-commit callbacks, the chunks stay pending
    job = rematch.rematch_all_start()
    assert job.status == JobStatus.RUNNING
    assert rematch.rematch_all_start() == job


def test_a_chunk_is_claimed_once(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    job = rematch.rematch_all_start(chunk_size=100)
    chunk = job.chunks.get(phase="index", kind="need")
    assert rematch.rematch_chunk_run(chunk_id=chunk.pk) is True
    assert rematch.rematch_chunk_run(chunk_id=chunk.pk) is False
    job.refresh_from_db()
    assert job.indexed == chunk.size


def test_match_chunks_wait_for_the_index_phase(registers: dict[str, Any]) -> None:
    job = rematch.rematch_all_start(chunk_size=100)
    match_chunk = job.chunks.get(phase="match", kind="need")
    assert rematch.rematch_chunk_run(chunk_id=match_chunk.pk) is False
    for chunk in job.chunks.filter(phase="index"):
        rematch.rematch_chunk_run(chunk_id=chunk.pk)
    assert rematch.rematch_chunk_run(chunk_id=match_chunk.pk) is True
    assert Match.objects.filter(need__in=registers["needs"], result=registers["solar"]).exists()


def test_a_chunk_stuck_running_is_requeued_and_completed(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    job = rematch.rematch_all_start(chunk_size=2)
    stuck = job.chunks.order_by("seq").first()
    # a worker claimed it and was killed: RUNNING, never finished
    RematchChunk.objects.filter(pk=stuck.pk).update(
        status=JobStatus.RUNNING, attempts=1, claimed_at=timezone.now()
    )
    for chunk in job.chunks.exclude(pk=stuck.pk):
        rematch.rematch_chunk_run(chunk_id=chunk.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert job.indexed == job.total - stuck.size
    assert job.done == 0  # the match phase waits for the stuck index chunk

    # before the time-out nothing happens
    with django_capture_on_commit_callbacks(execute=True):
        assert rematch.requeue_stale().chunks_requeued == 0
    with (
        time_machine.travel(timezone.now() + timedelta(hours=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = rematch.requeue_stale()
    assert report.chunks_requeued == 1
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.DONE
    assert stuck.attempts == 2
    job.refresh_from_db()
    assert job.indexed == job.total
    assert job.done == job.total
    assert job.status == JobStatus.DONE


def test_the_killed_worker_finishing_late_is_not_counted_twice(
    registers: dict[str, Any],
) -> None:
    job = rematch.rematch_all_start(chunk_size=100)
    chunk = job.chunks.get(phase="index", kind="need")
    RematchChunk.objects.filter(pk=chunk.pk).update(status=JobStatus.RUNNING, attempts=1)
    old_claim = RematchChunk.objects.get(pk=chunk.pk)
    # requeued and redone by another worker (claim 2)
    RematchChunk.objects.filter(pk=chunk.pk).update(status=JobStatus.PENDING)
    rematch.rematch_chunk_run(chunk_id=chunk.pk)
    # the first worker wakes up and reports: ignored
    rematch.rematch_chunk_complete(chunk=old_claim, ok=old_claim.size, failed=0)
    job.refresh_from_db()
    assert job.indexed == chunk.size


def test_a_chunk_gives_up_after_repeated_time_outs(registers: dict[str, Any]) -> None:
    job = rematch.rematch_all_start(chunk_size=100)
    RematchChunk.objects.filter(job=job).update(
        status=JobStatus.RUNNING, attempts=5, claimed_at=timezone.now() - timedelta(hours=2)
    )
    report = rematch.requeue_stale()
    assert report.chunks_failed == job.chunk_count
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.failed == job.total


def test_a_database_error_puts_the_chunk_back(registers: dict[str, Any]) -> None:
    job = rematch.rematch_all_start(chunk_size=100)
    chunk = job.chunks.get(phase="index", kind="need")
    with (
        mock.patch.object(rematch, "document_index", side_effect=OperationalError("gone")),
        pytest.raises(OperationalError),
    ):
        rematch.rematch_chunk_run(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    assert chunk.status == JobStatus.PENDING
    assert rematch.rematch_chunk_run(chunk_id=chunk.pk) is True


def test_other_errors_are_counted_per_document(registers: dict[str, Any]) -> None:
    job = rematch.rematch_all_start(chunk_size=100)
    for chunk in job.chunks.filter(phase="index"):
        rematch.rematch_chunk_run(chunk_id=chunk.pk)
    with mock.patch.object(rematch, "recommend_for", side_effect=[ValueError, {}, {}]):
        rematch.rematch_chunk_run(chunk_id=job.chunks.get(phase="match", kind="need").pk)
    job.refresh_from_db()
    assert job.failed == 1
    assert job.done == 2


def test_stale_documents_are_requeued(django_capture_on_commit_callbacks: Any) -> None:
    need = NeedFactory(**SOLAR_NEED)
    result = ResultFactory(**SOLAR_RESULT)
    services.document_index(kind="result", pk=result.pk)
    # the hook marked the need stale but its task was lost
    documents.document_mark_stale(kind="need", pk=need.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert rematch.requeue_stale().documents_requeued == 0
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=10)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = rematch.requeue_stale()
    assert report.documents_requeued == 2  # the lost need, and the result never recommended
    assert not DocumentTerms.objects.filter(stale=True).exists()
    pair = Match.objects.get(need=need, result=result)
    assert pair.recommendations.filter(owner_kind="need", owner_id=need.pk).exists()


def test_published_postings_never_indexed_are_requeued(
    django_capture_on_commit_callbacks: Any,
) -> None:
    result = ResultFactory(**SOLAR_RESULT)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=10)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert rematch.requeue_stale().documents_requeued == 1
    assert DocumentTerms.objects.get(kind="result", object_id=result.pk).is_active


def test_rematch_all_command_prints_progress(
    registers: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rematch_all", stdout=out)
    assert "matched 6/6" in out.getvalue().splitlines()[-1]


def test_requeue_stale_command_reports(registers: dict[str, Any]) -> None:
    out = StringIO()
    call_command("requeue_stale", stdout=out)
    assert "documents_requeued" in out.getvalue()
