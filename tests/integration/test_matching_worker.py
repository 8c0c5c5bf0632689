"""A real Celery worker takes the matching tasks from Redis and writes to PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction

from matching.lists import rematch, services
from matching.models import DocumentTerms, JobStatus, Match, Recommendation, RematchJob
from portal.models import Need
from portal.signals import posting_changed
from tests.integration.conftest import WorkerProcess, wait_for
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

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_writes_suggestions_for_a_published_need(
    celery_worker_process: WorkerProcess,
) -> None:
    from django.db import connection

    assert connection.vendor == "postgresql"
    solar = ResultFactory(**SOLAR_RESULT)
    water = ResultFactory(**WATER_RESULT)
    expert = ExpertFactory(**SOLAR_EXPERT)
    for kind, obj in [("result", solar), ("result", water), ("expert", expert)]:
        services.document_index(kind=kind, pk=obj.pk)

    need = NeedFactory(**SOLAR_NEED)
    with transaction.atomic():
        posting_changed.send(sender=Need, kind="need", pk=need.pk)
        # nothing is sent before commit; the stale mark is written with the change
        assert DocumentTerms.objects.get(kind="need", object_id=need.pk).stale

    def scored() -> bool:
        row = DocumentTerms.objects.filter(kind="need", object_id=need.pk).first()
        return row is not None and not row.stale

    wait_for(scored, timeout=60)
    top = Recommendation.objects.get(
        owner_kind="need", owner_id=need.pk, target_kind="result", rank=1
    ).match
    assert top.result == solar
    assert "钙钛矿" in [t["term"] for t in top.explanation["terms"]]
    assert Match.objects.filter(need=need, expert=expert).exists()
    assert "document_match_task" in celery_worker_process.log()


def test_a_worker_runs_a_rematch_to_the_end(celery_worker_process: WorkerProcess) -> None:
    ResultFactory(**SOLAR_RESULT)
    ExpertFactory(**SOLAR_EXPERT)
    needs = [NeedFactory(**SOLAR_NEED) for _ in range(3)]

    job = rematch.rematch_all_start(chunk_size=2)

    def finished() -> bool:
        return RematchJob.objects.get(pk=job.pk).is_finished

    wait_for(finished, timeout=90)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.done == job.total == 5
    assert Match.objects.filter(need__in=needs, result__isnull=False).count() == 3
    assert "rematch_chunk_task" in celery_worker_process.log()
