"""Operations of the matching engine that change state: index documents, write suggestions,
run and repair rematches.

The database is the source of truth and the queue is only a hint: every change first marks
the document stale in the database, the task that follows clears the mark when its
recommendations are written, and :func:`requeue_stale` re-enqueues whatever a lost task
left behind. Every write is an idempotent upsert or a guarded status transition, so a task
that runs twice does no harm.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from matching.lists import engine_api as adapter
from matching.models import (
    ChunkPhase,
    DocumentKind,
    DocumentTerms,
    IndexState,
    JobStatus,
    Match,
    MatchDirection,
    MatchStatus,
    RematchChunk,
    RematchJob,
)
from portal.models import Expert, Need, PostingStatus, Result

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (DocumentKind.NEED, DocumentKind.RESULT, DocumentKind.EXPERT)
MODELS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    DocumentKind.NEED: Need,
    DocumentKind.RESULT: Result,
    DocumentKind.EXPERT: Expert,
}
# kind of the source document -> (direction, kind recommended)
TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    DocumentKind.NEED: (
        (MatchDirection.NEED_RESULT, DocumentKind.RESULT),
        (MatchDirection.NEED_EXPERT, DocumentKind.EXPERT),
    ),
    DocumentKind.RESULT: ((MatchDirection.RESULT_NEED, DocumentKind.NEED),),
    DocumentKind.EXPERT: ((MatchDirection.EXPERT_NEED, DocumentKind.NEED),),
}
# direction -> (field of the source document, field of the recommended one)
DIRECTION_FIELDS: dict[str, tuple[str, str]] = {
    MatchDirection.NEED_RESULT: ("need", "result"),
    MatchDirection.NEED_EXPERT: ("need", "expert"),
    MatchDirection.RESULT_NEED: ("result", "need"),
    MatchDirection.EXPERT_NEED: ("expert", "need"),
}
# statuses in which an expert is busy with a pair (counts against the expert's capacity)
ACTIVE_STATUSES = (
    MatchStatus.APPROVED,
    MatchStatus.CONTACTED,
    MatchStatus.NEGOTIATING,
    MatchStatus.INTENTION,
)
# Bump when the text extraction below changes, so every document is re-tokenised.
TEXT_RECIPE = "1"


def top_k() -> int:
    return int(getattr(settings, "MATCHING_TOP_K", 10))


def matching_weights() -> adapter.Weights:
    return adapter.weights_from(getattr(settings, "MATCHING_WEIGHTS", None))


def _check_kind(kind: str) -> str:
    if kind not in MODELS:
        raise ValueError(f"unknown document kind: {kind!r}")
    return kind


# ---------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class DocumentText:
    title: str
    keywords: list[str]
    body: str

    def digest(self) -> str:
        payload = json.dumps(
            [TEXT_RECIPE, self.title, self.keywords, self.body], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _field_codes(posting: Need | Result | Expert) -> tuple[str, ...]:
    return tuple(sorted(f.code for f in posting.fields.all()))


def _modes(posting: Need | Result | Expert) -> tuple[str, ...]:
    return tuple(sorted(m.code for m in posting.cooperation_modes.all()))


def document_text(*, kind: str, posting: Need | Result | Expert) -> DocumentText:
    """The text the engine sees of a posting (title / keywords / body)."""
    if isinstance(posting, Need):
        return DocumentText(posting.title, posting.keyword_list, posting.description)
    if isinstance(posting, Result):
        return DocumentText(posting.title, posting.keyword_list, posting.summary)
    # An expert's name says nothing about what they know: research keywords and the
    # biography carry the text.
    body = "\n".join(p for p in (posting.biography, posting.representative_results) if p)
    return DocumentText("", posting.keyword_list, body)


def expert_capacity_left(*, expert: Expert) -> float:
    """Share of the expert's capacity not taken by pairs in progress (0 = fully booked)."""
    if expert.capacity <= 0:
        return 0.0
    busy = Match.objects.filter(expert=expert, status__in=ACTIVE_STATUSES).count()
    return max(expert.capacity - busy, 0) / expert.capacity


def document_facts(*, kind: str, posting: Need | Result | Expert) -> adapter.Facts:
    """Structured facts of a posting in the engine's terms (absent facts stay neutral)."""
    common: dict[str, Any] = {
        "fields": _field_codes(posting),
        "region": posting.region_code or "",
        "cooperation": _modes(posting),
    }
    if isinstance(posting, Need):
        maturity = posting.expected_maturity
        budget = posting.budget_max if posting.budget_max is not None else posting.budget_min
        return adapter.Facts(
            **common,
            maturity=float(maturity.rank) if maturity else None,
            budget=_number(budget),
        )
    if isinstance(posting, Result):
        maturity = posting.maturity
        return adapter.Facts(
            **common,
            maturity=float(maturity.rank) if maturity else None,
            price=_number(posting.asking_price),
        )
    return adapter.Facts(**common, capacity=expert_capacity_left(expert=posting))


def _load_posting(kind: str, pk: int) -> Need | Result | Expert | None:
    _check_kind(kind)
    related = ("fields", "cooperation_modes")
    if kind == DocumentKind.NEED:
        return (
            Need.objects.select_related("expected_maturity")
            .prefetch_related(*related)
            .filter(pk=pk)
            .first()
        )
    if kind == DocumentKind.RESULT:
        return (
            Result.objects.select_related("maturity")
            .prefetch_related(*related)
            .filter(pk=pk)
            .first()
        )
    return Expert.objects.prefetch_related(*related).filter(pk=pk).first()


@transaction.atomic
def index_version_bump(*, kind: str) -> int:
    """Move the register's version stamp and return the new version.

    The row lock taken by the UPDATE is held until commit, so versions are handed out and
    committed in order: a process that sees version V committed also sees every change <= V.
    """
    IndexState.objects.get_or_create(kind=_check_kind(kind))
    IndexState.objects.filter(kind=kind).update(version=F("version") + 1)
    return IndexState.objects.values_list("version", flat=True).get(kind=kind)


@transaction.atomic
def document_mark_stale(*, kind: str, pk: int) -> None:
    """Record in the database that a posting changed and must be indexed and matched again."""
    now = timezone.now()
    updated = DocumentTerms.objects.filter(kind=_check_kind(kind), object_id=pk).update(
        stale=True, updated_at=now
    )
    if not updated:
        DocumentTerms.objects.get_or_create(
            kind=kind, object_id=pk, defaults={"stale": True, "is_active": False}
        )


@transaction.atomic
def document_index(*, kind: str, pk: int) -> DocumentTerms | None:
    """Tokenise a posting once and store its term statistics, or take it out of the index.

    A published posting is (re)analysed only when its text changed (content hash); changed
    facts alone update the row without tokenising. A posting that is no longer published, or
    gone, is deactivated and its undecided suggestions are deleted. Every change bumps the
    register's :class:`IndexState` version so worker processes apply it. Returns the row,
    or None if there is nothing to index.
    """
    posting = _load_posting(kind, pk)
    if posting is None or posting.status != PostingStatus.PUBLISHED:
        document_deactivate(kind=kind, pk=pk)
        return None
    text = document_text(kind=kind, posting=posting)
    facts = adapter.facts_to_json(document_facts(kind=kind, posting=posting))
    digest = text.digest()
    row, _created = DocumentTerms.objects.select_for_update().get_or_create(kind=kind, object_id=pk)
    if row.is_active and row.content_hash == digest and row.facts == facts:
        return row
    update_fields = ["facts", "is_active", "version", "stale", "updated_at"]
    if row.content_hash != digest or not row.terms:
        stats = adapter.analyze(title=text.title, keywords=text.keywords, body=text.body)
        row.terms = adapter.stats_to_json(stats)
        row.token_count = adapter.token_count(stats)
        row.content_hash = digest
        update_fields += ["terms", "token_count", "content_hash"]
    row.facts = facts
    row.is_active = True
    row.stale = True
    row.version = index_version_bump(kind=kind)
    row.save(update_fields=update_fields)
    return row


@transaction.atomic
def document_deactivate(*, kind: str, pk: int) -> None:
    """Take a withdrawn or deleted posting out of the index and out of others' suggestions.

    Decided pairs (approved and later) stay: the staff workflow owns them.
    """
    row = DocumentTerms.objects.select_for_update().filter(kind=kind, object_id=pk).first()
    if row is not None and (row.is_active or row.stale):
        fields = ["is_active", "stale", "scored_at", "updated_at"]
        if row.is_active:
            row.version = index_version_bump(kind=kind)
            fields.append("version")
        row.is_active = False
        row.stale = False
        row.scored_at = timezone.now()
        row.save(update_fields=fields)
    match_suggestions_clear(kind=kind, pk=pk)


# ---------------------------------------------------------------------------- index cache


@dataclass
class _CachedIndex:
    index: adapter.SparseIndex
    version: int
    generation: str


_cache: dict[str, _CachedIndex] = {}
_cache_lock = threading.RLock()


def index_cache_clear() -> None:
    """Forget this process's in-memory indexes (tests; a reload happens on next use)."""
    with _cache_lock:
        _cache.clear()


def _stored_version(kind: str) -> tuple[int, str]:
    row = IndexState.objects.filter(kind=kind).values_list("version", "generation").first()
    return (int(row[0]), str(row[1])) if row else (0, "")


def _rebuild(kind: str, version: int, generation: str) -> _CachedIndex:
    rows = (
        DocumentTerms.objects.filter(kind=kind, is_active=True)
        .order_by("object_id")
        .values_list("object_id", "terms", "facts", "version")
    )
    seen = version
    docs = []
    for object_id, terms, facts, row_version in rows.iterator(chunk_size=2000):
        docs.append(
            (str(object_id), adapter.stats_from_json(terms), adapter.facts_from_json(facts))
        )
        seen = max(seen, int(row_version))
    logger.info("matching: built %s index, %d documents, version %d", kind, len(docs), seen)
    return _CachedIndex(adapter.build_index(docs), seen, generation)


def index_for(*, kind: str) -> adapter.SparseIndex:
    """This process's in-memory index of one register, brought up to the stored version.

    Changes since the cached version are applied one by one (add / remove, no rebuild);
    past ``MATCHING_MAX_DELTA`` changes, or on first use, the index is rebuilt from
    :class:`DocumentTerms`.
    """
    _check_kind(kind)
    with _cache_lock:
        version, generation = _stored_version(kind)
        cached = _cache.get(kind)
        if cached is not None and cached.generation != generation:
            cached = None
        if cached is not None and cached.version == version:
            return cached.index
        if cached is not None and cached.version < version:
            changed = DocumentTerms.objects.filter(kind=kind, version__gt=cached.version)
            limit = max(int(getattr(settings, "MATCHING_MAX_DELTA", 1000)), len(cached.index) // 5)
            if changed.count() <= limit:
                seen = version
                for row in changed.order_by("version"):
                    if row.is_active:
                        cached.index.add(
                            str(row.object_id),
                            adapter.stats_from_json(row.terms),
                            adapter.facts_from_json(row.facts),
                        )
                    else:
                        cached.index.remove(str(row.object_id))
                    seen = max(seen, row.version)
                cached.version = seen
                return cached.index
        cached = _rebuild(kind, version, generation)
        _cache[kind] = cached
        return cached.index


# ---------------------------------------------------------------------------- matches


@dataclass(frozen=True)
class Suggestion:
    target_pk: int
    score: float
    explanation: dict[str, Any]


def _source_filter(kind: str, pk: int) -> Q:
    return Q(**{f"{kind}_id": pk})


@transaction.atomic
def match_suggestions_replace(
    *, direction: str, source_pk: int, suggestions: list[Suggestion]
) -> int:
    """Make ``suggestions`` (best first) the suggested matches of one source and direction.

    Upserts under the unique constraint (update_or_create), so a re-run writes the same
    rows; pairs staff already decided are locked and left exactly as they are; suggested
    rows that fell out of the top-k are deleted. Returns the number of suggested rows.
    """
    source_field, target_field = DIRECTION_FIELDS[direction]
    existing = {
        getattr(m, f"{target_field}_id"): m
        for m in Match.objects.select_for_update().filter(
            direction=direction, **{f"{source_field}_id": source_pk}
        )
    }
    kept: list[int] = []
    for rank, item in enumerate(suggestions, start=1):
        current = existing.get(item.target_pk)
        if current is not None and current.is_decided:
            continue
        lookup = {
            "direction": direction,
            f"{source_field}_id": source_pk,
            f"{target_field}_id": item.target_pk,
        }
        Match.objects.update_or_create(
            **lookup,
            defaults={"score": item.score, "rank": rank, "explanation": item.explanation},
            create_defaults={
                "score": item.score,
                "rank": rank,
                "explanation": item.explanation,
                "status": MatchStatus.SUGGESTED,
            },
        )
        kept.append(item.target_pk)
    Match.objects.filter(
        direction=direction, status=MatchStatus.SUGGESTED, **{f"{source_field}_id": source_pk}
    ).exclude(**{f"{target_field}_id__in": kept}).delete()
    return len(kept)


@transaction.atomic
def match_suggestions_clear(*, kind: str, pk: int) -> int:
    """Delete the undecided suggestions a document is part of, on either side."""
    deleted, _ = Match.objects.filter(
        _source_filter(_check_kind(kind), pk), status=MatchStatus.SUGGESTED
    ).delete()
    return deleted


def _published_ids(kind: str, ids: list[int]) -> set[int]:
    return set(
        MODELS[kind]
        .objects.filter(pk__in=ids, status=PostingStatus.PUBLISHED)
        .values_list("pk", flat=True)
    )


def recommend_for(*, kind: str, pk: int, k: int | None = None) -> dict[str, int]:
    """Compute the top-k of the other side for one document and store them as suggestions.

    need → results and experts; result → needs; expert → needs. Only published documents
    are suggested. Scoring runs outside any transaction (one sparse product per direction,
    against this process's cached index); each direction's rows are then written in one
    transaction. Clears the document's stale mark unless it changed meanwhile. Returns the
    number of suggestions per direction ({} if the document is not in the index).
    """
    _check_kind(kind)
    row = DocumentTerms.objects.filter(kind=kind, object_id=pk).first()
    if row is None or not row.is_active:
        match_suggestions_clear(kind=kind, pk=pk)
        return {}
    k = k or top_k()
    weights = matching_weights()
    stats = adapter.stats_from_json(row.terms)
    facts = adapter.facts_from_json(row.facts)
    written: dict[str, int] = {}
    for direction, target_kind in TARGETS[kind]:
        index = index_for(kind=target_kind)
        found = adapter.recommend(index, stats, facts=facts, k=k, weights=weights)
        published = _published_ids(target_kind, [int(m.doc_id) for m in found])
        found = [m for m in found if int(m.doc_id) in published]
        suggestions = [
            Suggestion(int(m.doc_id), round(float(m.score), 6), _explanation(m.explanation))
            for m in _good_enough(found)
        ]
        written[direction] = match_suggestions_replace(
            direction=direction, source_pk=pk, suggestions=suggestions
        )
    # Clear the mark only if nobody marked or re-indexed the document since we read it.
    DocumentTerms.objects.filter(pk=row.pk, version=row.version, updated_at=row.updated_at).update(
        stale=False, scored_at=timezone.now()
    )
    return written


def _good_enough(found: list[adapter.EngineMatch]) -> list[adapter.EngineMatch]:
    """Drop the tail that only shares filler words with the query.

    ``MATCHING_MIN_RELATIVE_SCORE`` (default 0.25): a candidate scoring below that share of
    the best candidate's score is not worth a staff member's time. 0 keeps the whole top-k.
    """
    share = float(getattr(settings, "MATCHING_MIN_RELATIVE_SCORE", 0.25))
    if not found or share <= 0:
        return found
    best = max(float(m.score) for m in found)
    if best <= 0:
        return found
    return [m for m in found if float(m.score) >= share * best]


def _explanation(raw: dict[str, Any]) -> dict[str, Any]:
    """The engine's explanation, plus what produced it (for staff to defend a suggestion)."""
    return {
        **raw,
        "engine": {"text_recipe": TEXT_RECIPE, "computed_at": timezone.now().isoformat()},
    }


def document_match(*, kind: str, pk: int) -> dict[str, int]:
    """Index one posting (or take it out) and write its recommendations: what a publish,
    edit or withdrawal triggers. Safe to run twice."""
    row = document_index(kind=kind, pk=pk)
    if row is None:
        return {}
    return recommend_for(kind=kind, pk=pk)


def document_enqueue(*, kind: str, pk: int) -> None:
    """Mark the posting stale now and enqueue its index + recommend task after commit.

    A failure to enqueue (broker down) or, with eager Celery, of the task itself is logged
    and swallowed: the posting's own change is committed by then, and the stale mark makes
    :func:`requeue_stale` try again.
    """
    document_mark_stale(kind=kind, pk=pk)
    transaction.on_commit(functools.partial(_send_document_task, kind, pk))


def _send_document_task(kind: str, pk: int) -> None:
    from matching.lists.tasks import document_match_task

    try:
        document_match_task.delay(kind, pk)
    except Exception:
        logger.exception("matching: could not run or enqueue %s #%s; left stale", kind, pk)


# ---------------------------------------------------------------------------- rematch


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
    if chunk.phase == ChunkPhase.MATCH and not _index_phase_finished(chunk.job_id):
        return False
    claimed = RematchChunk.objects.filter(pk=chunk_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return False
    chunk.refresh_from_db()
    work = document_index if chunk.phase == ChunkPhase.INDEX else recommend_for
    ok = failed = 0
    try:
        for pk in chunk.object_ids:
            try:
                work(kind=chunk.kind, pk=int(pk))
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
            for chunk_id in RematchChunk.objects.filter(
                job_id=chunk.job_id, phase=ChunkPhase.MATCH, status=JobStatus.PENDING
            ).values_list("pk", flat=True):
                _enqueue_chunk(chunk_id)
    else:
        RematchJob.objects.filter(pk=chunk.job_id).update(
            done=F("done") + ok, failed=F("failed") + failed
        )
    rematch_job_finish_if_complete(job_id=chunk.job_id)


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
        if chunk.phase == ChunkPhase.MATCH and not _index_phase_finished(chunk.job_id):
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
    from matching.lists import dictionary

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
    for kind, ids in published.items():
        for pk in ids:
            recommend_for(kind=kind, pk=pk)
    return sum(len(ids) for ids in published.values())
