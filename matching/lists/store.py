"""Where the lists and the pairs they point at are stored: upsert pairs, replace a list,
delete what no list and no decision holds any more.

Every write is idempotent, so a task that runs twice does no harm; the ranking that
decides what goes in a list is :mod:`matching.lists.services`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from matching.lists.documents import (
    MODELS,
    PAIR_KINDS,
    check_kind,
)
from matching.lists.index_cache import stored_epoch
from matching.models import (
    DocumentKind,
    DocumentTerms,
    Match,
    MatchStatus,
    Recommendation,
)
from portal.models import PostingStatus

T = TypeVar("T")


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


def pairs_upsert(items: list[Scored]) -> dict[tuple[int, int], Match]:
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


def list_replace(*, owner_kind: str, owner_pk: int, target_kind: str, pairs: list[Match]) -> int:
    """Make ``pairs`` (best first) the owner's ranked list of ``target_kind``."""
    current = list(
        Recommendation.objects.filter(
            owner_kind=owner_kind, owner_id=owner_pk, target_kind=target_kind
        )
        .order_by("rank")
        .values_list("match_id", flat=True)
    )
    if current != [m.pk for m in pairs]:
        lists_write(
            owner_kind=owner_kind,
            target_kind=target_kind,
            lists={owner_pk: pairs},
            before=set(current),
        )
    return len(pairs)


def lists_write(
    *, owner_kind: str, target_kind: str, lists: dict[int, list[Match]], before: set[int]
) -> None:
    """Replace the ranked lists of these owners (``before``: the pairs they showed), and
    delete the suggestions that no list shows any more. Four queries for any number."""
    epoch = stored_epoch(owner_kind if owner_kind != DocumentKind.NEED else target_kind)
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
    orphans_delete(before - {m.pk for pairs in lists.values() for m in pairs})


def orphans_delete(match_ids: set[int]) -> int:
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


def published_ids(kind: str, ids: list[int]) -> set[int]:
    return set(
        MODELS[kind]
        .objects.filter(pk__in=ids, status=PostingStatus.PUBLISHED)
        .values_list("pk", flat=True)
    )


def active_row(kind: str, pk: int) -> DocumentTerms | None:
    row = DocumentTerms.objects.filter(kind=kind, object_id=pk).first()
    return row if row is not None and row.is_active else None


def suggested_offers(*, need_pk: int, offer_kind: str) -> list[int]:
    """Offers of ``offer_kind`` with an undecided (suggested) pair with this need."""
    field = f"{offer_kind}_id"
    return list(
        Match.objects.filter(
            need_id=need_pk, status=MatchStatus.SUGGESTED, **{f"{field}__isnull": False}
        ).values_list(field, flat=True)
    )


def listed_in(*, owner_kind: str, target_kind: str, target_pk: int) -> list[int]:
    """Owners whose ``target_kind`` list shows the document ``target_pk`` now."""
    field = f"match__{target_kind}_id"
    return list(
        Recommendation.objects.filter(
            owner_kind=owner_kind, target_kind=target_kind, **{field: target_pk}
        ).values_list("owner_id", flat=True)
    )


def orphans_sweep() -> int:
    """Delete suggested pairs that no list shows (after a full rematch)."""
    listed = Recommendation.objects.filter(match_id=OuterRef("pk"))
    deleted, _ = Match.objects.filter(status=MatchStatus.SUGGESTED).exclude(Exists(listed)).delete()
    return deleted


@transaction.atomic
def lists_clear(*, kind: str, pk: int) -> list[tuple[str, int]]:
    """Take a withdrawn document out of every list: its own lists go, its entries in other
    lists go, and its undecided pairs with them. Returns the owners on the other side whose
    lists lost an entry (they are recomputed to fill the gap)."""
    check_kind(kind)
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
    orphans_delete(pairs)
    return [(str(owner_kind), int(owner_pk)) for owner_kind, owner_pk in touched]


def without_weak_tail(items: list[T], *, score: Callable[[T], float]) -> list[T]:
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
