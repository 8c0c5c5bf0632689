"""Operations of the matching engine that change state: index documents, write suggestions,
run and repair rematches.

The database is the source of truth and the queue is only a hint: every change first marks
the document stale in the database, the task that follows clears the mark when its
recommendations are written, and :func:`requeue_stale` re-enqueues whatever a lost task
left behind. Every write is an idempotent upsert or a guarded status transition, so a task
that runs twice does no harm.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from matching.learning import selectors as learned
from matching.lists import dictionary
from matching.lists import engine_api as adapter
from matching.models import (
    ChunkPhase,
    DocumentKind,
    DocumentTerms,
    IndexState,
    JobStatus,
    Match,
    MatchStatus,
    PairKind,
    Recommendation,
    RematchChunk,
    RematchJob,
)
from portal.models import Expert, Need, PostingStatus, Result

logger = logging.getLogger(__name__)
T = TypeVar("T")

KINDS: tuple[str, ...] = (DocumentKind.NEED, DocumentKind.RESULT, DocumentKind.EXPERT)
MODELS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    DocumentKind.NEED: Need,
    DocumentKind.RESULT: Result,
    DocumentKind.EXPERT: Expert,
}
# kind of a document -> the kinds whose lists it appears in (and that appear in its lists)
TARGETS: dict[str, tuple[str, ...]] = {
    DocumentKind.NEED: (DocumentKind.RESULT, DocumentKind.EXPERT),
    DocumentKind.RESULT: (DocumentKind.NEED,),
    DocumentKind.EXPERT: (DocumentKind.NEED,),
}
# kind of the supply side -> kind of the pair
PAIR_KINDS: dict[str, str] = {
    DocumentKind.RESULT: PairKind.NEED_RESULT,
    DocumentKind.EXPERT: PairKind.NEED_EXPERT,
}
# statuses in which an expert is busy with a pair (counts against the expert's capacity)
ACTIVE_STATUSES = (
    MatchStatus.APPROVED,
    MatchStatus.CONTACTED,
    MatchStatus.NEGOTIATING,
    MatchStatus.INTENTION,
)
# Bump when the text extraction below changes, so every document is re-tokenised.
TEXT_RECIPE = "2"


def top_k() -> int:
    return int(getattr(settings, "MATCHING_TOP_K", 10))


def matching_weights(*, region: str | None = None) -> adapter.Weights:
    """The settings' weights; for a need of ``region``, the weights learnt from staff
    decisions on that region's needs when a fit is in force there (issue 15)."""
    if region is None:
        return adapter.weights_from(getattr(settings, "MATCHING_WEIGHTS", None))
    return learned.weights_for_region(region=region)


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

    def digest(self, dictionary: str | None = None) -> str:
        """What the stored term statistics were cut from: the recipe, the domain dictionary
        the tokeniser had, and the text. A new dictionary makes every digest differ, so no
        text stays cut with an old one."""
        payload = json.dumps(
            [TEXT_RECIPE, dictionary or "", self.title, self.keywords, self.body],
            ensure_ascii=False,
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
    digest = text.digest(dictionary.ensure_domain_dictionary())
    row, _created = DocumentTerms.objects.select_for_update().get_or_create(kind=kind, object_id=pk)
    if row.is_active and row.content_hash == digest and row.facts == facts:
        return row
    update_fields = ["facts", "is_active", "version", "stale", "updated_at"]
    update_fields += _leave_epoch(row)
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
    """Take a withdrawn or deleted posting out of the index and out of every list; the lists
    it leaves are recomputed without it.

    Decided pairs (approved and later) stay: the staff workflow owns them.
    """
    row = DocumentTerms.objects.select_for_update().filter(kind=kind, object_id=pk).first()
    if row is not None and (row.is_active or row.stale):
        fields = ["is_active", "stale", "scored_at", "updated_at"]
        if row.is_active:
            row.version = index_version_bump(kind=kind)
            fields.append("version")
            fields += _leave_epoch(row)
        row.is_active = False
        row.stale = False
        row.scored_at = timezone.now()
        row.save(update_fields=fields)
    touched = lists_clear(kind=kind, pk=pk)
    lists_refill(owners=touched, withdrawn_kind=kind)


def _leave_epoch(row: DocumentTerms) -> list[str]:
    """A document of the current epoch changes: keep the terms the epoch was built with, so
    any process rebuilds the very same epoch (and then applies this change on top)."""
    if not row.in_main or row.main_terms is not None:
        return []
    row.main_terms = row.terms
    return ["main_terms"]


@transaction.atomic
def epoch_advance(*, kind: str, only_if_empty: bool = False) -> int:
    """Start a new epoch of one register: every document now in the index becomes part of
    the statistics (average length, topic space, pruned terms) all processes build on.

    Scores change with the epoch, so a full rematch calls this between indexing and
    matching; a register's first use calls it with ``only_if_empty`` (no epoch yet).
    Returns the epoch number.
    """
    IndexState.objects.get_or_create(kind=_check_kind(kind))
    state = IndexState.objects.select_for_update().get(kind=kind)
    if only_if_empty and state.epoch > 0:
        return state.epoch
    DocumentTerms.objects.filter(kind=kind).update(in_main=F("is_active"), main_terms=None)
    state.epoch += 1
    state.generation = uuid.uuid4().hex
    state.save(update_fields=["epoch", "generation", "updated_at"])
    return state.epoch


# ---------------------------------------------------------------------------- index cache


@dataclass
class _CachedIndex:
    index: adapter.SparseIndex
    version: int
    generation: str
    epoch: int


_cache: dict[str, _CachedIndex] = {}
_cache_lock = threading.RLock()


def index_cache_clear() -> None:
    """Forget this process's in-memory indexes (tests; a reload happens on next use)."""
    with _cache_lock:
        _cache.clear()


def _stored_state(kind: str) -> tuple[int, str, int]:
    row = IndexState.objects.filter(kind=kind).values_list("version", "generation", "epoch").first()
    return (int(row[0]), str(row[1]), int(row[2])) if row else (0, "", 0)


def _epoch(kind: str) -> int:
    cached = _cache.get(kind)
    return cached.epoch if cached is not None else _stored_state(kind)[2]


def _rebuild(kind: str) -> _CachedIndex:
    """The index of one register exactly as every other process has it.

    The main segment is the epoch's documents with the terms the epoch was built with, in
    id order, so its statistics come out the same in every process; epoch documents that
    changed or left since are then withdrawn, and the documents added or changed since the
    epoch are added in the order of their changes, as a long-running process applied them.
    """
    documents = DocumentTerms.objects.filter(kind=kind)
    if not documents.filter(in_main=True).exists() and documents.filter(is_active=True).exists():
        epoch_advance(kind=kind, only_if_empty=True)
    version, generation, epoch = _stored_state(kind)
    main = (
        DocumentTerms.objects.filter(kind=kind, in_main=True)
        .order_by("object_id")
        .values_list("object_id", "terms", "main_terms", "facts", "is_active", "version")
    )
    seen = version
    docs = []
    gone: list[str] = []
    for object_id, terms, main_terms, facts, is_active, row_version in main.iterator(
        chunk_size=2000
    ):
        stats = adapter.stats_from_json(main_terms if main_terms is not None else terms)
        docs.append((str(object_id), stats, adapter.facts_from_json(facts)))
        if main_terms is not None or not is_active:
            gone.append(str(object_id))
        seen = max(seen, int(row_version))
    index = adapter.build_index(docs)
    del docs
    for doc_id in gone:
        index.remove(doc_id)
    since = (
        DocumentTerms.objects.filter(kind=kind, is_active=True)
        .exclude(in_main=True, main_terms__isnull=True)
        .order_by("version")
        .values_list("object_id", "terms", "facts", "version")
    )
    for object_id, terms, facts, row_version in since.iterator(chunk_size=2000):
        index.add(str(object_id), adapter.stats_from_json(terms), adapter.facts_from_json(facts))
        seen = max(seen, int(row_version))
    logger.info(
        "matching: built %s index, epoch %d, %d documents, version %d",
        kind,
        epoch,
        len(index),
        seen,
    )
    return _CachedIndex(index, seen, generation, epoch)


def index_for(*, kind: str) -> adapter.SparseIndex:
    """This process's in-memory index of one register, brought up to the stored version.

    Changes since the cached version are applied one by one (add / remove, no rebuild);
    past ``MATCHING_MAX_DELTA`` changes, on a new epoch, or on first use, the index is
    rebuilt from :class:`DocumentTerms`. Either way it holds the same documents with the
    same statistics as in any other process, so every process computes the same scores.
    """
    _check_kind(kind)
    with _cache_lock:
        version, generation, _epoch_now = _stored_state(kind)
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
        cached = _rebuild(kind)
        _cache[kind] = cached
        return cached.index


# ---------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class Scored:
    """One pair as the engine scored it: the need, the other side, and the pair's score."""

    need_pk: int
    offer_kind: str
    offer_pk: int
    score: float
    explanation: dict[str, Any]
    # False: the pair is short of the engine's minimum evidence (one shared general term
    # and nothing else); it may be scored, never suggested
    enough_evidence: bool = True


def _pairs_upsert(items: list[Scored]) -> dict[tuple[int, int], Match]:
    """Write each pair's score, creating the pair as ``suggested`` if it is new.

    One record per pair (unique constraints on need × result and need × expert), so the
    same pair found from either side lands on the same row; decided pairs get the engine's
    fresh score too, but their status and history are never touched here. A few queries
    whatever the number of pairs; rows whose score did not move are not written.
    """
    out: dict[tuple[int, int], Match] = {}
    by_kind: dict[str, list[Scored]] = {}
    for item in items:
        by_kind.setdefault(item.offer_kind, []).append(item)
    now = timezone.now()
    for offer_kind, group in by_kind.items():
        field = f"{offer_kind}_id"

        def existing(
            group: list[Scored] = group, field: str = field
        ) -> dict[tuple[int, int], Match]:
            rows = Match.objects.filter(
                need_id__in={i.need_pk for i in group},
                **{f"{field}__in": {i.offer_pk for i in group}},
            )
            return {(m.need_id, getattr(m, field)): m for m in rows}

        found = existing()
        missing = [i for i in group if (i.need_pk, i.offer_pk) not in found]
        if missing:
            Match.objects.bulk_create(
                [
                    Match(
                        kind=PAIR_KINDS[offer_kind],
                        need_id=i.need_pk,
                        score=i.score,
                        explanation=i.explanation,
                        scored_at=now,
                        **{field: i.offer_pk},
                    )
                    for i in missing
                ],
                # a pair another worker created meanwhile is the same pair: keep theirs
                ignore_conflicts=True,
            )
            found = existing()
        changed = []
        for item in group:
            match = found[(item.need_pk, item.offer_pk)]
            if match.score != item.score or match.explanation != item.explanation:
                match.score, match.explanation, match.scored_at = (
                    item.score,
                    item.explanation,
                    now,
                )
                changed.append(match)
            out[(item.need_pk, item.offer_pk)] = match
        if changed:
            Match.objects.bulk_update(changed, ["score", "explanation", "scored_at"])
    return out


def _list_replace(*, owner_kind: str, owner_pk: int, target_kind: str, pairs: list[Match]) -> int:
    """Make ``pairs`` (best first) the owner's ranked list of ``target_kind``."""
    current = list(
        Recommendation.objects.filter(
            owner_kind=owner_kind, owner_id=owner_pk, target_kind=target_kind
        )
        .order_by("rank")
        .values_list("match_id", flat=True)
    )
    if current != [m.pk for m in pairs]:
        _lists_write(
            owner_kind=owner_kind,
            target_kind=target_kind,
            lists={owner_pk: pairs},
            before=set(current),
        )
    return len(pairs)


def _lists_write(
    *, owner_kind: str, target_kind: str, lists: dict[int, list[Match]], before: set[int]
) -> None:
    """Replace the ranked lists of these owners (``before``: the pairs they showed), and
    delete the suggestions that no list shows any more. Four queries for any number."""
    epoch = _epoch(owner_kind if owner_kind != DocumentKind.NEED else target_kind)
    Recommendation.objects.filter(
        owner_kind=owner_kind, owner_id__in=list(lists), target_kind=target_kind
    ).delete()
    now = timezone.now()
    Recommendation.objects.bulk_create(
        [
            Recommendation(
                owner_kind=owner_kind,
                owner_id=owner,
                target_kind=target_kind,
                match=match,
                rank=rank,
                epoch=epoch,
                computed_at=now,
            )
            for owner, pairs in lists.items()
            for rank, match in enumerate(pairs, start=1)
        ]
    )
    _orphans_delete(before - {m.pk for pairs in lists.values() for m in pairs})


def _orphans_delete(match_ids: set[int]) -> int:
    """Delete suggested pairs that no list shows any more (decided pairs always stay)."""
    if not match_ids:
        return 0
    listed = Recommendation.objects.filter(match_id=OuterRef("pk"))
    deleted, _ = (
        Match.objects.filter(pk__in=match_ids, status=MatchStatus.SUGGESTED)
        .exclude(Exists(listed))
        .delete()
    )
    return deleted


def _published_ids(kind: str, ids: list[int]) -> set[int]:
    return set(
        MODELS[kind]
        .objects.filter(pk__in=ids, status=PostingStatus.PUBLISHED)
        .values_list("pk", flat=True)
    )


def _active_row(kind: str, pk: int) -> DocumentTerms | None:
    row = DocumentTerms.objects.filter(kind=kind, object_id=pk).first()
    return row if row is not None and row.is_active else None


def _need_scores(
    *, need: DocumentTerms, offer_kind: str, k: int, include: Sequence[int] = ()
) -> tuple[list[Scored], dict[int, Scored]]:
    """A need's best ``k`` of one offer register (published only, best first), and the
    scores of the ``include`` offers outside them. Every pair score in the portal comes from
    here: the need is the query, the offer register's index the corpus, so a pair has one
    score whichever side asks. The best ``k`` are those with the minimum evidence
    (:func:`matching.engine.evidence.enough_evidence`); an ``include`` offer short of it
    still gets its score, marked ``enough_evidence=False``."""
    index = index_for(kind=offer_kind)
    found = adapter.recommend(
        index,
        adapter.stats_from_json(need.terms),
        facts=adapter.facts_from_json(need.facts),
        k=k,
        weights=matching_weights(region=str((need.facts or {}).get("region") or "")),
        include=[str(pk) for pk in include],
        min_evidence=True,
    )
    published = _published_ids(offer_kind, [int(m.doc_id) for m in found])
    ranked: list[Scored] = []
    extra: dict[int, Scored] = {}
    for m in found:
        if int(m.doc_id) not in published:
            continue
        item = Scored(
            need.object_id,
            offer_kind,
            int(m.doc_id),
            round(float(m.score), 6),
            _explanation(m.explanation, offer_kind),
            m.enough_evidence,
        )
        if not m.extra:
            ranked.append(item)
        if item.offer_pk in include:
            extra[item.offer_pk] = item
    return ranked, extra


def pair_scores(
    *, need_ids: Sequence[int], offer_kind: str, offer_ids: Sequence[int]
) -> dict[tuple[int, int], float]:
    """The engine's score of each need × offer among those given (programmes that weigh
    many pairs at once, e.g. a dispatch round); pairs the engine finds no link between are
    left out. The same number as the pair's own score (:func:`_need_scores`)."""
    include = sorted(set(offer_ids))
    scores: dict[tuple[int, int], float] = {}
    if not include:
        return scores
    for need_pk in sorted(set(need_ids)):
        row = _active_row("need", need_pk)
        if row is None:
            continue
        ranked, extra = _need_scores(need=row, offer_kind=offer_kind, k=1, include=include)
        for item in [*ranked, *extra.values()]:
            if item.offer_pk in include:
                scores[(need_pk, item.offer_pk)] = item.score
    return scores


@transaction.atomic
def need_lists_write(
    *,
    need: DocumentTerms,
    offer_kind: str,
    reach: int = 0,
    include: Sequence[int] = (),
    keep_reach: bool = False,
) -> tuple[list[Scored], dict[int, Scored]]:
    """Recompute one need's ranked list of results or experts and write it.

    Returns the need's best ``max(k, reach)`` pairs (the list is the first k of them, less
    the weak tail) and the scores of the ``include`` offers, from the same one query.
    The need's undecided suggestions are weighed in the same query: one now short of the
    minimum evidence (suggested before the rule, or its one term has grown general) is
    deleted, and leaves the offer's list too. Decided pairs are never touched.
    """
    suggested = _suggested_offers(need_pk=need.object_id, offer_kind=offer_kind)
    ranked, extra = _need_scores(
        need=need,
        offer_kind=offer_kind,
        k=max(top_k(), reach),
        include=sorted({*include, *suggested}),
    )
    top = _without_weak_tail(ranked[: top_k()], score=lambda item: item.score)
    # in a full rematch the offers' lists are ranked from these pairs afterwards
    pairs = _pairs_upsert(ranked if keep_reach else top)
    _list_replace(
        owner_kind=DocumentKind.NEED,
        owner_pk=need.object_id,
        target_kind=offer_kind,
        pairs=[pairs[(s.need_pk, s.offer_pk)] for s in top],
    )
    short = [pk for pk in suggested if pk in extra and not extra[pk].enough_evidence]
    if short:
        _suggestions_short_delete(need_pk=need.object_id, offer_kind=offer_kind, offers=short)
    return ranked, {pk: item for pk, item in extra.items() if pk in include}


def _suggested_offers(*, need_pk: int, offer_kind: str) -> list[int]:
    """Offers of ``offer_kind`` with an undecided (suggested) pair with this need."""
    field = f"{offer_kind}_id"
    return list(
        Match.objects.filter(
            need_id=need_pk, status=MatchStatus.SUGGESTED, **{f"{field}__isnull": False}
        ).values_list(field, flat=True)
    )


def _suggestions_short_delete(*, need_pk: int, offer_kind: str, offers: list[int]) -> None:
    """Delete this need's suggested pairs with ``offers`` (short of the minimum evidence)
    and rank the offers' lists that showed them again. Suggested only: a pair staff decided
    on stays, whatever its evidence."""
    field = f"{offer_kind}_id"
    owners = list(
        Recommendation.objects.filter(
            owner_kind=offer_kind,
            target_kind=DocumentKind.NEED,
            match__need_id=need_pk,
            match__status=MatchStatus.SUGGESTED,
            **{f"match__{field}__in": offers},
        ).values_list("owner_id", flat=True)
    )
    Match.objects.filter(
        need_id=need_pk, status=MatchStatus.SUGGESTED, **{f"{field}__in": offers}
    ).delete()
    for owner in sorted(set(owners)):
        offer_list_write(offer_kind=offer_kind, offer_pk=int(owner), scored=[])


def _listed_in(*, owner_kind: str, target_kind: str, target_pk: int) -> list[int]:
    """Owners whose ``target_kind`` list shows the document ``target_pk`` now."""
    field = f"match__{target_kind}_id"
    return list(
        Recommendation.objects.filter(
            owner_kind=owner_kind, target_kind=target_kind, **{field: target_pk}
        ).values_list("owner_id", flat=True)
    )


@transaction.atomic
def offer_list_write(
    *, offer_kind: str, offer_pk: int, scored: list[Scored], without: Sequence[int] = ()
) -> int:
    """Rank the needs of one result's or expert's list by the pairs' scores.

    ``scored``: freshly computed pairs of this offer; the list keeps its other entries with
    the score their pair has now, and takes the best k of both. ``without``: needs whose
    pair has just been found short of the minimum evidence; they leave the list.
    """
    fresh = {s.need_pk: s for s in scored if s.offer_pk == offer_pk}
    kept = Match.objects.filter(
        recommendations__owner_kind=offer_kind,
        recommendations__owner_id=offer_pk,
        **{f"{offer_kind}_id": offer_pk},
    ).exclude(need_id__in=[*fresh, *without])
    published = _published_ids(DocumentKind.NEED, [m.need_id for m in kept] + list(fresh))
    pairs = _pairs_upsert([s for s in fresh.values() if s.need_pk in published])
    pool = list(pairs.values()) + [m for m in kept if m.need_id in published]
    return _list_replace(
        owner_kind=offer_kind,
        owner_pk=offer_pk,
        target_kind=DocumentKind.NEED,
        pairs=_needs_ranked(pool),
    )


@transaction.atomic
def offer_list_rank(*, offer_kind: str, offer_pk: int) -> int:
    """A result's or expert's list of needs ranked from the pairs that exist: what a full
    rematch does once every need's lists (and pairs within reach) are written."""
    pool = list(
        Match.objects.filter(
            need__status=PostingStatus.PUBLISHED, **{f"{offer_kind}_id": offer_pk}
        ).order_by("-score", "need_id")[: top_k()]
    )
    return _list_replace(
        owner_kind=offer_kind,
        owner_pk=offer_pk,
        target_kind=DocumentKind.NEED,
        pairs=_needs_ranked(pool),
    )


def orphans_sweep() -> int:
    """Delete suggested pairs that no list shows (after a full rematch)."""
    listed = Recommendation.objects.filter(match_id=OuterRef("pk"))
    deleted, _ = Match.objects.filter(status=MatchStatus.SUGGESTED).exclude(Exists(listed)).delete()
    return deleted


def _candidate_needs(*, offer: DocumentTerms) -> list[int]:
    """Needs whose lists a result or expert may enter: the best of the need register for the
    offer's text (the engine run the other way round, only to find candidates), and the
    needs whose lists show it now."""
    index = index_for(kind=DocumentKind.NEED)
    found = adapter.recommend(
        index,
        adapter.stats_from_json(offer.terms),
        facts=adapter.facts_from_json(offer.facts),
        k=fresh_candidates(),
        weights=matching_weights(),
    )
    ids = [int(m.doc_id) for m in found]
    ids += _listed_in(
        owner_kind=DocumentKind.NEED, target_kind=offer.kind, target_pk=offer.object_id
    )
    return sorted(set(ids))


@transaction.atomic
def offers_push(*, offer_kind: str, items: list[Scored]) -> int:
    """A need enters the lists of the offers it scores best with, where it beats the k-th
    entry (or the list is not full). A fixed number of queries for all the offers at once.
    Returns the number of lists that changed."""
    if not items:
        return 0
    need_pk = items[0].need_pk
    lists: dict[int, list[Match]] = {item.offer_pk: [] for item in items}
    entries = Recommendation.objects.filter(
        owner_kind=offer_kind, owner_id__in=list(lists), target_kind=DocumentKind.NEED
    ).select_related("match")
    for entry in entries.order_by("owner_id", "rank"):
        lists[int(entry.owner_id)].append(entry.match)
    k = top_k()
    entering = [
        item
        for item in items
        if len(lists[item.offer_pk]) < k
        or item.score >= min(m.score for m in lists[item.offer_pk])
        or any(m.need_id == need_pk for m in lists[item.offer_pk])
    ]
    pairs = _pairs_upsert(entering)
    changed: dict[int, list[Match]] = {}
    for item in entering:
        before = lists[item.offer_pk]
        pool = [m for m in before if m.need_id != need_pk]
        best = _needs_ranked([*pool, pairs[(need_pk, item.offer_pk)]])
        if [m.pk for m in best] != [m.pk for m in before]:
            changed[item.offer_pk] = best
    if changed:
        _lists_write(
            owner_kind=offer_kind,
            target_kind=DocumentKind.NEED,
            lists=changed,
            before={m.pk for owner in changed for m in lists[owner]},
        )
    return len(changed)


def _needs_ranked(pool: list[Match]) -> list[Match]:
    """An offer's list from candidate pairs: best score first (ties by need id), k of them,
    less the weak tail."""
    ranked = sorted(pool, key=lambda m: (-m.score, m.need_id))[: top_k()]
    return _without_weak_tail(ranked, score=lambda m: m.score)


def fresh_candidates() -> int:
    return int(getattr(settings, "MATCHING_FRESH_CANDIDATES", 30))


def offer_list_compute(*, offer: DocumentTerms) -> int:
    """A new or changed result's or expert's list of needs, and its place in theirs.

    Candidates are the needs the engine finds for the offer's text plus those listing it
    now. Each candidate's list of this kind is rewritten from the need's own query (the
    offer enters, moves in or leaves the lists whose k-th score it beats), and the same
    query gives the pair's score; the offer's list is ranked from those scores. A pair
    short of the minimum evidence enters neither list."""
    kind, pk = offer.kind, offer.object_id
    scored: list[Scored] = []
    short: list[int] = []
    needs = DocumentTerms.objects.filter(
        kind=DocumentKind.NEED, object_id__in=_candidate_needs(offer=offer), is_active=True
    ).order_by("object_id")
    for need in needs:
        _ranked, extra = need_lists_write(need=need, offer_kind=kind, include=[pk])
        if pk not in extra:
            continue
        if extra[pk].enough_evidence:
            scored.append(extra[pk])
        else:
            short.append(need.object_id)
    return offer_list_write(offer_kind=kind, offer_pk=pk, scored=scored, without=short)


def recommend_for(*, kind: str, pk: int, batch: bool = False) -> dict[str, int]:
    """Bring the lists that one document is part of up to date, on both sides.

    A need: its own lists (results, experts), then it enters the lists of the results and
    experts it scores best with (a new need changes no other need's scores). A result or
    an expert: the candidate needs' lists are recomputed (the new document may beat their
    k-th entry, or drop out of them), which also gives the pairs' scores, and from those the
    offer's own list of needs. Scores are always the need's (see :func:`_need_scores`), so
    a pair has one score seen from either side.

    ``batch`` (a full rematch: every need first, then every offer): a need writes its lists
    and the pairs within reach without touching the offers' lists; an offer ranks its list
    from the pairs that exist. Clears the stale mark unless the document changed meanwhile.
    Returns the size of each list written ({} if not in the index).
    """
    _check_kind(kind)
    row = _active_row(kind, pk)
    if row is None:
        lists_clear(kind=kind, pk=pk)
        return {}
    written: dict[str, int] = {}
    if kind == DocumentKind.NEED:
        for offer_kind in (DocumentKind.RESULT, DocumentKind.EXPERT):
            ranked, _extra = need_lists_write(
                need=row, offer_kind=offer_kind, reach=fresh_candidates(), keep_reach=batch
            )
            written[offer_kind] = min(len(ranked), top_k())
            if not batch:
                offers_push(offer_kind=offer_kind, items=ranked)
    elif batch:
        written[DocumentKind.NEED] = offer_list_rank(offer_kind=kind, offer_pk=pk)
    else:
        written[DocumentKind.NEED] = offer_list_compute(offer=row)
    # Clear the mark only if nobody marked or re-indexed the document since we read it.
    DocumentTerms.objects.filter(pk=row.pk, version=row.version, updated_at=row.updated_at).update(
        stale=False, scored_at=timezone.now()
    )
    return written


@transaction.atomic
def lists_clear(*, kind: str, pk: int) -> list[tuple[str, int]]:
    """Take a withdrawn document out of every list: its own lists go, its entries in other
    lists go, and its undecided pairs with them. Returns the owners on the other side whose
    lists lost an entry (they are recomputed to fill the gap)."""
    _check_kind(kind)
    own = Recommendation.objects.filter(owner_kind=kind, owner_id=pk)
    own_pairs = set(own.values_list("match_id", flat=True))
    own.delete()
    if kind == DocumentKind.NEED:
        pair_filter = Q(match__need_id=pk)
    else:
        pair_filter = Q(**{f"match__{kind}_id": pk})
    elsewhere = Recommendation.objects.filter(pair_filter).exclude(owner_kind=kind)
    touched = list(elsewhere.values_list("owner_kind", "owner_id").distinct())
    pairs = own_pairs | set(elsewhere.values_list("match_id", flat=True))
    elsewhere.delete()
    _orphans_delete(pairs)
    return [(str(owner_kind), int(owner_pk)) for owner_kind, owner_pk in touched]


def lists_refill(*, owners: Sequence[tuple[str, int]], withdrawn_kind: str) -> None:
    """Recompute the lists that lost a withdrawn document, so they show k entries again."""
    for owner_kind, owner_pk in owners:
        if owner_kind == DocumentKind.NEED:
            need = _active_row(DocumentKind.NEED, owner_pk)
            if need is not None:
                need_lists_write(need=need, offer_kind=withdrawn_kind)
        else:
            offer_list_write(offer_kind=owner_kind, offer_pk=owner_pk, scored=[])


def _without_weak_tail(items: list[T], *, score: Callable[[T], float]) -> list[T]:
    """Drop the tail that only shares filler words with the query.

    ``MATCHING_MIN_RELATIVE_SCORE`` (default 0.25): a candidate scoring below that share of
    the best candidate's score is not worth a staff member's time. 0 keeps the whole top-k.
    """
    share = float(getattr(settings, "MATCHING_MIN_RELATIVE_SCORE", 0.25))
    if not items or share <= 0:
        return items
    best = max(score(item) for item in items)
    if best <= 0:
        return items
    return [item for item in items if score(item) >= share * best]


def _explanation(raw: dict[str, Any], offer_kind: str) -> dict[str, Any]:
    """The engine's explanation, plus what produced it (for staff to defend a suggestion)."""
    return {
        **raw,
        "engine": {
            "text_recipe": TEXT_RECIPE,
            "epoch": _epoch(offer_kind),
            "dictionary": dictionary.installed_digest() or "",
        },
    }


def document_match(*, kind: str, pk: int) -> dict[str, int]:
    """Index one posting (or take it out) and write its recommendations: what a publish,
    edit or withdrawal triggers. Safe to run twice."""
    row = document_index(kind=kind, pk=pk)
    if row is None:
        return {}
    return recommend_for(kind=kind, pk=pk)


_deferred = threading.local()


@contextlib.contextmanager
def matching_deferred() -> Iterator[None]:
    """Within this block postings are only marked stale, not matched one by one: for bulk
    loads (demo data, imports) that run :func:`rematch_inline` or a rematch afterwards."""
    previous = getattr(_deferred, "on", False)
    _deferred.on = True
    try:
        yield
    finally:
        _deferred.on = previous


def document_enqueue(*, kind: str, pk: int) -> None:
    """Mark the posting stale now and enqueue its index + recommend task after commit.

    A failure to enqueue (broker down) or, with eager Celery, of the task itself is logged
    and swallowed: the posting's own change is committed by then, and the stale mark makes
    :func:`requeue_stale` try again.
    """
    document_mark_stale(kind=kind, pk=pk)
    if getattr(_deferred, "on", False):
        return
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
    for kind in KINDS:
        epoch_advance(kind=kind)
    # needs first: the offers' lists are ranked from the pairs the needs wrote
    for kind, ids in published.items():
        for pk in ids:
            recommend_for(kind=kind, pk=pk, batch=True)
    orphans_sweep()
    return sum(len(ids) for ids in published.values())
