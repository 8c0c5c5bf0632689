"""Reads of the matching engine, scoped to who asks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from matching.models import Match, MatchStatus, RematchJob
from matching.lists.services import MODELS, TARGETS
from portal.access import can_view_all
from portal.models import Expert, Need, Result

# What the owner of a document does not see: pairs staff turned down or closed.
HIDDEN_FROM_OWNERS = (MatchStatus.REJECTED, MatchStatus.DECLINED, MatchStatus.CLOSED)


def user_can_see_recommendations(*, user: User, posting: Need | Result | Expert) -> bool:
    """The posting's owners (its organisation, creator, or the expert themself) and bureau
    staff whose jurisdiction covers it: the registers' own "sees everything" rule."""
    return can_view_all(user, posting)


def posting_for_recommendations(*, user: User, kind: str, pk: int) -> Need | Result | Expert:
    """The posting whose recommendations ``user`` asks for; 404 for anyone else."""
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    posting = model.objects.filter(pk=pk).first()
    if posting is None or not user_can_see_recommendations(user=user, posting=posting):
        raise Http404
    return posting


def match_list_for_document(
    *, user: User, kind: str, pk: int, limit: int | None = None
) -> QuerySet[Match]:
    """Matches computed for one document (all its directions), best first.

    Owners see suggested and in-progress pairs; staff also see the ones turned down.
    The caller checks access with :func:`posting_for_recommendations` first.
    """
    directions = [direction for direction, _target in TARGETS.get(kind, ())]
    qs = (
        Match.objects.filter(direction__in=directions, **{f"{kind}_id": pk})
        .select_related("need", "result", "expert", "need__organization")
        .order_by("direction", "-score", "id")
    )
    if not user.is_bureau_staff:
        qs = qs.exclude(status__in=HIDDEN_FROM_OWNERS)
    if limit is not None:
        qs = qs[:limit]
    return qs


def rematch_job_latest() -> RematchJob | None:
    return RematchJob.objects.order_by("-created_at", "-id").first()
