"""Reliability: a worker killed in the middle of a rematch loses nothing.

The database is the source of truth and the queue only a hint: the chunk the dead worker
held stays RUNNING in the database, `requeue_stale` (every five minutes under beat) hands it
to another worker, and the job still counts every document exactly once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings

from matching.lists import rematch
from matching.models import JobStatus, Match, RematchChunk, RematchJob
from portal.models import Expert, Need, PostingStatus, Result
from tests.integration.conftest import WorkerProcess, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_registers(transactional_db: None) -> int:
    """The demo registers, seeded (and matched in-process) before any worker starts."""
    call_command("seed_demo")
    return sum(
        model.objects.filter(status=PostingStatus.PUBLISHED).count()
        for model in (Need, Result, Expert)
    )


def test_a_rematch_survives_a_worker_killed_mid_chunk(
    demo_registers: int, worker_factory: Callable[[], WorkerProcess]
) -> None:
    first = worker_factory()
    job = rematch.rematch_all_start(chunk_size=2)
    assert job.total == demo_registers

    # Kill the worker as soon as it is part-way through the job.
    wait_for(
        lambda: RematchChunk.objects.filter(job=job, status=JobStatus.DONE).count() >= 5,
        timeout=120,
        every=0.05,
    )
    first.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING, "the job finished before the worker was killed"
    orphaned = RematchChunk.objects.filter(job=job, status=JobStatus.RUNNING).count()

    worker_factory()

    def finished() -> bool:
        # What beat does every five minutes, with the stuck-chunk time-out cut to zero.
        with override_settings(MATCHING_CHUNK_TIMEOUT=0):
            rematch.requeue_stale()
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=240, every=2.0)

    assert job.status == JobStatus.DONE
    assert job.indexed == demo_registers
    assert job.done == demo_registers
    assert job.failed == 0
    assert orphaned <= 1
    assert not RematchChunk.objects.filter(job=job).exclude(status=JobStatus.DONE).exists()
    duplicates = (
        Match.objects.values("kind", "need", "result", "expert")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert RematchJob.objects.get(pk=job.pk).done == demo_registers
