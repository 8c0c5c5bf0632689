"""The recommendation lists: index a posting, score it against the other side, write its
lists and the pairs they suggest, and keep the other side's lists in step.

Beside it: :mod:`matching.lists.documents` (a posting's text, facts and stored term
statistics, index versions and epochs), :mod:`matching.lists.index_cache` (each process's
in-memory index) and :mod:`matching.lists.rematch` (full rematches and repairs).

The database is the source of truth and the queue is only a hint: every change first marks
the document stale in the database, the task that follows clears the mark when its
recommendations are written, and :func:`matching.lists.rematch.requeue_stale` re-enqueues
whatever a lost task left behind. Every write is an idempotent upsert or a guarded status
transition, so a task that runs twice does no harm.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from matching.lists import dictionary
from matching.lists import engine_api as adapter
from matching.lists.documents import (
    TEXT_RECIPE,
    check_kind,
    document_facts,
    document_mark_stale,
    document_text,
    index_version_bump,
    leave_epoch,
    load_posting,
    matching_weights,
    top_k,
)
from matching.lists.index_cache import index_for, stored_epoch
from matching.lists.store import (
    Scored,
    active_row,
    list_replace,
    listed_in,
    lists_clear,
    lists_write,
    pairs_upsert,
    published_ids,
    suggested_offers,
    without_weak_tail,
)
from matching.models import (
    DocumentKind,
    DocumentTerms,
    Match,
    MatchStatus,
    Recommendation,
)
from portal.models import PostingStatus

logger = logging.getLogger(__name__)


@transaction.atomic
def document_index(*, kind: str, pk: int) -> DocumentTerms | None:
    """Tokenise a posting once and store its term statistics, or take it out of the index.

    A published posting is (re)analysed only when its text changed (content hash); changed
    facts alone update the row without tokenising. A posting that is no longer published, or
    gone, is deactivated and its undecided suggestions are deleted. Every change bumps the
    register's :class:`IndexState` version so worker processes apply it. Returns the row,
    or None if there is nothing to index.
    """
    posting = load_posting(kind, pk)
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
    update_fields += leave_epoch(row)
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
            fields += leave_epoch(row)
        row.is_active = False
        row.stale = False
        row.scored_at = timezone.now()
        row.save(update_fields=fields)
    touched = lists_clear(kind=kind, pk=pk)
    lists_refill(owners=touched, withdrawn_kind=kind)


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
    published = published_ids(offer_kind, [int(m.doc_id) for m in found])
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
        row = active_row("need", need_pk)
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
    suggested = suggested_offers(need_pk=need.object_id, offer_kind=offer_kind)
    ranked, extra = _need_scores(
        need=need,
        offer_kind=offer_kind,
        k=max(top_k(), reach),
        include=sorted({*include, *suggested}),
    )
    top = without_weak_tail(ranked[: top_k()], score=lambda item: item.score)
    # in a full rematch the offers' lists are ranked from these pairs afterwards
    pairs = pairs_upsert(ranked if keep_reach else top)
    list_replace(
        owner_kind=DocumentKind.NEED,
        owner_pk=need.object_id,
        target_kind=offer_kind,
        pairs=[pairs[(s.need_pk, s.offer_pk)] for s in top],
    )
    short = [pk for pk in suggested if pk in extra and not extra[pk].enough_evidence]
    if short:
        _suggestions_short_delete(need_pk=need.object_id, offer_kind=offer_kind, offers=short)
    return ranked, {pk: item for pk, item in extra.items() if pk in include}


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
    published = published_ids(DocumentKind.NEED, [m.need_id for m in kept] + list(fresh))
    pairs = pairs_upsert([s for s in fresh.values() if s.need_pk in published])
    pool = list(pairs.values()) + [m for m in kept if m.need_id in published]
    return list_replace(
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
    return list_replace(
        owner_kind=offer_kind,
        owner_pk=offer_pk,
        target_kind=DocumentKind.NEED,
        pairs=_needs_ranked(pool),
    )


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
    ids += listed_in(
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
    pairs = pairs_upsert(entering)
    changed: dict[int, list[Match]] = {}
    for item in entering:
        before = lists[item.offer_pk]
        pool = [m for m in before if m.need_id != need_pk]
        best = _needs_ranked([*pool, pairs[(need_pk, item.offer_pk)]])
        if [m.pk for m in best] != [m.pk for m in before]:
            changed[item.offer_pk] = best
    if changed:
        lists_write(
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
    return without_weak_tail(ranked, score=lambda m: m.score)


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
    check_kind(kind)
    row = active_row(kind, pk)
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


def lists_refill(*, owners: Sequence[tuple[str, int]], withdrawn_kind: str) -> None:
    """Recompute the lists that lost a withdrawn document, so they show k entries again."""
    for owner_kind, owner_pk in owners:
        if owner_kind == DocumentKind.NEED:
            need = active_row(DocumentKind.NEED, owner_pk)
            if need is not None:
                need_lists_write(need=need, offer_kind=withdrawn_kind)
        else:
            offer_list_write(offer_kind=owner_kind, offer_pk=owner_pk, scored=[])


def _explanation(raw: dict[str, Any], offer_kind: str) -> dict[str, Any]:
    """The engine's explanation, plus what produced it (for staff to defend a suggestion)."""
    return {
        **raw,
        "engine": {
            "text_recipe": TEXT_RECIPE,
            "epoch": stored_epoch(offer_kind),
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
