"""Reads of the recommendation lists, scoped to who asks."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import Http404

from accounts.models import User
from matching.lists.documents import MODELS, TARGETS
from matching.models import Match, MatchStatus, Recommendation, RematchJob
from portal.access import can_view_all
from portal.models import Expert, Need, Result
from portal.selectors import members_first_open_q

# What a posting's owners see of its pairs once staff took them up: the brokered stages,
# the signed and landed ones included.
OWNER_STAGES = (
    MatchStatus.APPROVED,
    MatchStatus.CONTACTED,
    MatchStatus.NEGOTIATING,
    MatchStatus.INTENTION,
    MatchStatus.SIGNED,
    MatchStatus.LANDED,
)
# What owners never see, even with self-service on: pairs turned down or closed.
HIDDEN_FROM_OWNERS = (MatchStatus.REJECTED, MatchStatus.DECLINED, MatchStatus.CLOSED)


def self_service() -> bool:
    """``MATCHING_SELF_SERVICE``: owners see the engine's raw suggestions and scores too
    (off by default: staff vet every pair first)."""
    return bool(getattr(settings, "MATCHING_SELF_SERVICE", False))


def user_can_see_recommendations(*, user: User, posting: Need | Result | Expert) -> bool:
    """The posting's owners (its organisation, creator, or the expert themself) and bureau
    staff whose jurisdiction covers it: the registers' own "sees everything" rule."""
    return can_view_all(user, posting)


def user_sees_scores(*, user: User) -> bool:
    return bool(user.is_bureau_staff) or self_service()


def posting_for_recommendations(*, user: User, kind: str, pk: int) -> Need | Result | Expert:
    """The posting whose recommendations ``user`` asks for; 404 for anyone else."""
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    posting = model.objects.filter(pk=pk).first()
    if posting is None or not user_can_see_recommendations(user=user, posting=posting):
        raise Http404
    return posting


@dataclass(frozen=True)
class ListRow:
    """One row of a posting's list: the pair, its rank in this list, the other side."""

    match: Match
    rank: int
    target_kind: str

    @property
    def other(self) -> Need | Result | Expert | None:
        if self.target_kind == "need":
            return self.match.need
        return self.match.result if self.match.result_id else self.match.expert


def _counterpart_open_q(*, user: User, target: str, via: str = "") -> Q:
    """Pairs whose ``target`` side no members-first period hides from ``user``: a
    non-member never meets a posting an alliance's members see first (the engine still
    scores it, and staff see it). ``via`` reaches the pair ("match__")."""
    return members_first_open_q(kind=target, user=user, prefix=f"{via}{target}__")


def list_rows_for_document(
    *, user: User, kind: str, pk: int, limit: int | None = None
) -> dict[str, list[ListRow]]:
    """A document's lists, per kind of the other side, best first (the caller checks
    access with :func:`posting_for_recommendations` first).

    Staff see the engine's ranked list with every pair's stage. Owners see the pairs staff
    took up (approved to landed, ranked by score, listed or not), or with self-service the
    ranked list less the pairs turned down. Two queries whatever the length.
    """
    targets = TARGETS.get(kind, ())
    related = (
        "match__need__organization",
        "match__result__organization",
        "match__expert__organization",
    )
    out: dict[str, list[ListRow]] = {target: [] for target in targets}
    if user.is_bureau_staff or self_service():
        entries = (
            Recommendation.objects.filter(owner_kind=kind, owner_id=pk)
            .select_related(*related)
            .order_by("target_kind", "rank", "id")
        )
        if not user.is_bureau_staff:
            entries = entries.exclude(match__status__in=HIDDEN_FROM_OWNERS)
            open_rows = Q(pk__in=[])
            for target in targets:
                open_rows |= Q(target_kind=target) & _counterpart_open_q(
                    user=user, target=target, via="match__"
                )
            entries = entries.filter(open_rows)
        for entry in entries:
            rows = out.setdefault(entry.target_kind, [])
            if limit is None or len(rows) < limit:
                rows.append(ListRow(entry.match, entry.rank, entry.target_kind))
        return out
    side = "need_id" if kind == "need" else f"{kind}_id"
    for target in targets:
        # the other side of the pair is ``target``: for a need, results or experts
        pairs = (
            Match.objects.filter(
                status__in=OWNER_STAGES,
                **{side: pk, f"{target}__isnull": False} if kind == "need" else {side: pk},
            )
            .filter(_counterpart_open_q(user=user, target=target))
            .select_related("need__organization", "result__organization", "expert__organization")
            .order_by("-score", "id")
        )
        if limit is not None:
            pairs = pairs[:limit]
        out[target] = [ListRow(m, rank, target) for rank, m in enumerate(pairs, start=1)]
    return out


def rematch_job_latest() -> RematchJob | None:
    return RematchJob.objects.order_by("-created_at", "-id").first()
