"""Full rematches spread over the workers, and the repair of what a lost task left behind.

A rematch indexes every published posting (chunks), starts a new epoch, then recommends for
every posting (chunks); :func:`requeue_stale` re-enqueues stale documents and stuck chunks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from matching.lists import dictionary
from matching.lists.documents import KINDS, MODELS, epoch_advance
from matching.lists.services import (
    document_deactivate,
    document_enqueue,
    document_index,
    recommend_for,
)
from matching.lists.store import orphans_sweep
from matching.models import (
    ChunkPhase,
    DocumentKind,
    DocumentTerms,
    JobStatus,
    RematchChunk,
    RematchJob,
)
from portal.models import PostingStatus

logger = logging.getLogger(__name__)


def _chunk_size() -> int:
    return max(1, int(getattr(settings, "MATCHING_REMATCH_CHUNK_SIZE", 200)))


def _chunk_timeout() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "MATCHING_CHUNK_TIMEOUT", 1800)))


def _max_attempts() -> int:
    return int(getattr(settings, "MATCHING_CHUNK_MAX_ATTEMPTS", 5))


def _enqueue_chunk(chunk_id: int) -> None:
    from matching.lists.tasks import rematch_chunk_task

    rematch_chunk_task.delay_on_commit(chunk_id)


def rematch_sweep() -> int:
    """Deactivate indexed documents that are no longer published; returns how many."""
    count = 0
    for kind, model in MODELS.items():
        published = model.objects.filter(pk=OuterRef("object_id"), status=PostingStatus.PUBLISHED)
        gone = DocumentTerms.objects.filter(kind=kind, is_active=True).exclude(Exists(published))
        for pk in gone.values_list("object_id", flat=True):
            document_deactivate(kind=kind, pk=pk)
            count += 1
    return count


@transaction.atomic
def rematch_all_start(*, requested_by: Any = None, chunk_size: int | None = None) -> RematchJob:
    """Start a full rematch: split every published posting into chunks and enqueue them.

    Two phases over the same chunks of documents: "index" chunks first (tokenise what
    changed), then, once the last of them finishes, "match" chunks (write suggestions), so
    nothing is matched against a half-built index. One job at a time: if a job is still
    running it is returned instead. Chunks go to the "rematch" queue after commit and
    several workers share them; progress accumulates in the job row. With eager Celery
    (embedded default) everything runs right after commit.
    """
    running = (
        RematchJob.objects.select_for_update()
        .filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
        .first()
    )
    if running is not None:
        return running
    rematch_sweep()
    job = RematchJob.objects.create(status=JobStatus.RUNNING, requested_by=requested_by)
    size = chunk_size or _chunk_size()
    slices: list[tuple[str, list[int]]] = []
    total = 0
    for kind, model in MODELS.items():
        ids = list(
            model.objects.filter(status=PostingStatus.PUBLISHED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        total += len(ids)
        slices.extend((kind, ids[i : i + size]) for i in range(0, len(ids), size))
    chunks = [
        RematchChunk(job=job, seq=seq, phase=phase, kind=kind, object_ids=ids)
        for seq, (phase, (kind, ids)) in enumerate(
            [(ChunkPhase.INDEX, item) for item in slices]
            + [(ChunkPhase.MATCH, item) for item in slices]
        )
    ]
    RematchChunk.objects.bulk_create(chunks)
    job.total = total
    job.chunk_count = len(chunks)
    fields = ["total", "chunk_count"]
    if not chunks:
        job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    job.save(update_fields=fields)
    for chunk_id in RematchChunk.objects.filter(job=job, phase=ChunkPhase.INDEX).values_list(
        "pk", flat=True
    ):
        _enqueue_chunk(chunk_id)
    return job


def _index_phase_finished(job_id: int) -> bool:
    return (
        not RematchChunk.objects.filter(job_id=job_id, phase=ChunkPhase.INDEX)
        .exclude(status__in=[JobStatus.DONE, JobStatus.FAILED])
        .exists()
    )


def _needs_matched(job_id: int) -> bool:
    return (
        not RematchChunk.objects.filter(
            job_id=job_id, phase=ChunkPhase.MATCH, kind=DocumentKind.NEED
        )
        .exclude(status__in=[JobStatus.DONE, JobStatus.FAILED])
        .exists()
    )


def _chunk_ready(chunk: RematchChunk) -> bool:
    """Index chunks run at once; need lists once indexing ended (a new epoch); offers'
    lists once every need's lists are written, since they are ranked from those pairs."""
    if chunk.phase == ChunkPhase.INDEX:
        return True
    if not _index_phase_finished(chunk.job_id):
        return False
    return chunk.kind == DocumentKind.NEED or _needs_matched(chunk.job_id)


def _enqueue_ready(job_id: int) -> None:
    for chunk in RematchChunk.objects.filter(
        job_id=job_id, phase=ChunkPhase.MATCH, status=JobStatus.PENDING
    ):
        if _chunk_ready(chunk):
            _enqueue_chunk(chunk.pk)


def rematch_chunk_run(*, chunk_id: int) -> bool:
    """Claim one chunk (PENDING → RUNNING) and index, or recommend, each of its documents.

    Returns False if the chunk was not pending (another worker has it, or it is done) or is
    a match chunk whose job is still indexing (it is enqueued again when indexing ends).
    A database error puts the chunk back to PENDING and propagates, so the task retries;
    other errors are counted per document. Only the current claim may complete the chunk,
    so a chunk redone after a lost worker is counted once.
    """
    chunk = RematchChunk.objects.filter(pk=chunk_id).first()
    if chunk is None or chunk.status != JobStatus.PENDING:
        return False
    if not _chunk_ready(chunk):
        return False
    claimed = RematchChunk.objects.filter(pk=chunk_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return False
    chunk.refresh_from_db()
    work: Any = document_index if chunk.phase == ChunkPhase.INDEX else recommend_for
    options = {} if chunk.phase == ChunkPhase.INDEX else {"batch": True}
    ok = failed = 0
    try:
        for pk in chunk.object_ids:
            try:
                work(kind=chunk.kind, pk=int(pk), **options)
                ok += 1
            except OperationalError:
                raise
            except Exception:
                logger.exception(
                    "matching: rematch %s of %s #%s failed", chunk.phase, chunk.kind, pk
                )
                failed += 1
    except OperationalError:
        RematchChunk.objects.filter(
            pk=chunk.pk, status=JobStatus.RUNNING, attempts=chunk.attempts
        ).update(status=JobStatus.PENDING)
        raise
    rematch_chunk_complete(chunk=chunk, ok=ok, failed=failed)
    return True


@transaction.atomic
def rematch_chunk_complete(
    *, chunk: RematchChunk, ok: int, failed: int, status: str = JobStatus.DONE, error: str = ""
) -> None:
    """Mark the chunk finished (if this claim is still current) and add its counts to the
    job; the last index chunk enqueues the match phase, the last chunk finishes the job.

    A failed index chunk counts its documents as failed; the match phase still runs for
    them, against whatever statistics they had.
    """
    updated = RematchChunk.objects.filter(
        pk=chunk.pk, status=JobStatus.RUNNING, attempts=chunk.attempts
    ).update(status=status, finished_at=timezone.now(), error=error)
    if not updated:
        return
    # lock the job row: concurrent completions serialise here
    RematchJob.objects.select_for_update().get(pk=chunk.job_id)
    if chunk.phase == ChunkPhase.INDEX:
        RematchJob.objects.filter(pk=chunk.job_id).update(indexed=F("indexed") + ok + failed)
        if _index_phase_finished(chunk.job_id):
            for kind in KINDS:
                epoch_advance(kind=kind)
            _enqueue_ready(chunk.job_id)
    else:
        RematchJob.objects.filter(pk=chunk.job_id).update(
            done=F("done") + ok, failed=F("failed") + failed
        )
        if chunk.kind == DocumentKind.NEED and _needs_matched(chunk.job_id):
            _enqueue_ready(chunk.job_id)
    if rematch_job_finish_if_complete(job_id=chunk.job_id):
        orphans_sweep()


@transaction.atomic
def rematch_job_finish_if_complete(*, job_id: int) -> bool:
    job = RematchJob.objects.select_for_update().get(pk=job_id)
    if job.is_finished:
        return True
    chunks = RematchChunk.objects.filter(job_id=job_id)
    if chunks.exclude(status__in=[JobStatus.DONE, JobStatus.FAILED]).exists():
        return False
    job.status = (
        JobStatus.FAILED if chunks.filter(status=JobStatus.FAILED).exists() else JobStatus.DONE
    )
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return True


@dataclass
class RequeueReport:
    chunks_requeued: int = 0
    chunks_failed: int = 0
    documents_requeued: int = 0


def requeue_stale(*, limit: int = 1000) -> RequeueReport:
    """Re-enqueue work that a lost task or a killed worker left behind.

    - chunks RUNNING past ``MATCHING_CHUNK_TIMEOUT`` go back to PENDING and are enqueued
      again (or FAILED after ``MATCHING_CHUNK_MAX_ATTEMPTS`` claims); chunks PENDING that long
      are enqueued again (the claim makes a duplicate harmless);
    - while a rematch job runs, documents are left to it;
    - documents still stale ``MATCHING_STALE_GRACE`` seconds after their change, published
      postings with no term statistics, and indexed postings no longer published get their
      index + recommend task again.
    At most ``limit`` documents per run, so a backlog drains over several runs.
    """
    report = RequeueReport()
    now = timezone.now()
    cutoff = now - _chunk_timeout()
    stuck = RematchChunk.objects.filter(status=JobStatus.RUNNING, claimed_at__lt=cutoff)
    requeued: list[int] = []
    for chunk in stuck:
        if chunk.attempts >= _max_attempts():
            rematch_chunk_complete(
                chunk=chunk,
                ok=0,
                failed=chunk.size,
                status=JobStatus.FAILED,
                error="gave up after repeated time-outs",
            )
            report.chunks_failed += 1
            continue
        with transaction.atomic():
            reset = RematchChunk.objects.filter(
                pk=chunk.pk, status=JobStatus.RUNNING, attempts=chunk.attempts
            ).update(status=JobStatus.PENDING)
            if reset:
                _enqueue_chunk(chunk.pk)
                requeued.append(chunk.pk)
                report.chunks_requeued += 1
    waiting = (
        RematchChunk.objects.filter(status=JobStatus.PENDING, job__created_at__lt=cutoff)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff))
        .exclude(pk__in=requeued)
    )
    for chunk in waiting:
        if not _chunk_ready(chunk):
            continue
        with transaction.atomic():
            _enqueue_chunk(chunk.pk)
        report.chunks_requeued += 1

    if RematchJob.objects.filter(status=JobStatus.RUNNING).exists():
        # The running job's match phase covers every published document; enqueuing its
        # backlog on the default queue too would crowd out newly posted documents.
        return report
    grace = now - timedelta(seconds=int(getattr(settings, "MATCHING_STALE_GRACE", 120)))
    todo: list[tuple[str, int]] = list(
        DocumentTerms.objects.filter(stale=True, updated_at__lt=grace)
        .order_by("updated_at")
        .values_list("kind", "object_id")[:limit]
    )
    for kind, model in MODELS.items():
        if len(todo) >= limit:
            break
        indexed = DocumentTerms.objects.filter(kind=kind, object_id=OuterRef("pk"))
        missing = (
            model.objects.filter(status=PostingStatus.PUBLISHED, updated_at__lt=grace)
            .exclude(Exists(indexed))
            .values_list("pk", flat=True)[: limit - len(todo)]
        )
        todo.extend((kind, pk) for pk in missing)
        published = model.objects.filter(pk=OuterRef("object_id"), status=PostingStatus.PUBLISHED)
        withdrawn = (
            DocumentTerms.objects.filter(kind=kind, is_active=True)
            .exclude(Exists(published))
            .values_list("object_id", flat=True)[: max(limit - len(todo), 0)]
        )
        todo.extend((kind, pk) for pk in withdrawn)
    for kind, pk in dict.fromkeys(todo):
        with transaction.atomic():
            document_enqueue(kind=kind, pk=pk)
        report.documents_requeued += 1
    return report


def dictionary_update() -> bool:
    """Rebuild the domain dictionary from the taxonomy and the registers' keywords.

    When it moved, every stored term statistic is due for re-tokenising (the rematch that
    follows does it) and the search tokens are rewritten here, so search and matching keep
    cutting text the same way. Returns whether it moved.
    """
    moved = dictionary.dictionary_refresh()
    if moved:
        dictionary.search_tokens_refresh()
    return moved


def rematch_inline() -> int:
    """Index, then recommend for, every published posting, here in this process.

    For small registers and demo data (seed_demo), where the caller needs the suggestions to
    exist when it returns, whatever Celery mode is configured. Large registers use
    rematch_all_start, which spreads the same two phases over the workers. Idempotent:
    decided pairs are left alone. Returns the number of postings matched.
    """
    dictionary_update()
    published = {
        kind: list(
            model.objects.filter(status=PostingStatus.PUBLISHED).values_list("pk", flat=True)
        )
        for kind, model in MODELS.items()
    }
    for kind, ids in published.items():
        for pk in ids:
            document_index(kind=kind, pk=pk)
    for kind in KINDS:
        epoch_advance(kind=kind)
    # needs first: the offers' lists are ranked from the pairs the needs wrote
    for kind, ids in published.items():
        for pk in ids:
            recommend_for(kind=kind, pk=pk, batch=True)
    orphans_sweep()
    return sum(len(ids) for ids in published.values())
