"""Reads of the match workflow, always scoped to who asks (staff: jurisdiction; parties:
their own pairs once approved). Views, API and exports all read through here."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from matching.pairs import scoping
from matching.pairs.followups import match_list_due
from matching.models import Match, MatchStatus
from matching.pairs.services import _PARTY_ROLES

if TYPE_CHECKING:
    from accounts.models import User
    from portal.models.registers import Posting

# What parties never see: pairs not yet approved, or turned down by staff.
HIDDEN_FROM_PARTIES = (MatchStatus.SUGGESTED, MatchStatus.REJECTED)


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _base() -> QuerySet[Match]:
    return Match.objects.select_related(
        "need",
        "need__organization",
        "result",
        "result__organization",
        "expert",
        "expert__organization",
        "case",
        "case__responsible",
    )


def _need_side_q(user: User) -> Q:
    q = Q(need__created_by=user)
    org = user.organization
    if org is not None and user.role in _PARTY_ROLES:
        q |= Q(need__organization=org)
    return q


def _offer_side_q(user: User) -> Q:
    q = Q(result__created_by=user) | Q(expert__user=user)
    q |= Q(expert__user__isnull=True, expert__created_by=user)
    org = user.organization
    if org is not None and user.role in _PARTY_ROLES:
        q |= Q(result__organization=org)
    return q


def party_q(user: User) -> Q:
    return _need_side_q(user) | _offer_side_q(user)


def match_list_visible_to(*, user: User | None) -> QuerySet[Match]:
    """Staff: every pair in their jurisdiction; parties: their approved pairs; others: none."""
    if not _authenticated(user):
        return Match.objects.none()
    assert user is not None
    if user.is_bureau_staff:
        return scoping.scope_matches(_base(), user)
    return _base().filter(party_q(user)).exclude(status__in=HIDDEN_FROM_PARTIES).distinct()


def get_match_for_user(*, user: User | None, match_id: int) -> Match:
    """The pair, if the user may see it; 404 otherwise (outsiders learn nothing)."""
    match = match_list_visible_to(user=user).filter(pk=match_id).first()
    if match is None:
        raise Http404
    return match


def match_review_queue(
    *,
    user: User,
    field: str = "",
    region: str = "",
    min_score: float | None = None,
    max_age_days: int | None = None,
    min_age_days: int | None = None,
    direction: str = "",
) -> QuerySet[Match]:
    """Suggested pairs in the user's jurisdiction, best score first.

    ``field`` is a technology-field code (top level or sub-field) of the need; ``region`` a
    region-code prefix narrowing the jurisdiction; ages are days since the suggestion.
    """
    decided_twin = Match.objects.filter(need_id=OuterRef("need_id")).exclude(
        status=MatchStatus.SUGGESTED
    )
    decided_twin = decided_twin.filter(
        Q(result_id=OuterRef("result_id"), result_id__isnull=False)
        | Q(expert_id=OuterRef("expert_id"), expert_id__isnull=False)
    )
    qs = (
        scoping.scope_matches(_base(), user)
        .filter(status=MatchStatus.SUGGESTED)
        # A pair decided in its other direction is no longer waiting for review.
        .exclude(Exists(decided_twin))
    )
    if field:
        qs = qs.filter(Q(need__fields__code=field) | Q(need__fields__parent__code=field))
    if region:
        qs = qs.filter(
            Q(need__region_code__startswith=region)
            | Q(result__region_code__startswith=region)
            | Q(expert__region_code__startswith=region)
        )
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    now = timezone.now()
    if max_age_days is not None:
        qs = qs.filter(created_at__gte=now - dt.timedelta(days=max_age_days))
    if min_age_days is not None:
        qs = qs.filter(created_at__lte=now - dt.timedelta(days=min_age_days))
    if direction:
        qs = qs.filter(direction=direction)
    return qs.distinct().order_by("-score", "id")


def match_list_due_for(*, user: User) -> QuerySet[Match]:
    """The "需跟进" list of the user's jurisdiction."""
    return scoping.scope_matches(match_list_due(), user)


def match_filter(
    qs: QuerySet[Match],
    *,
    status: str = "",
    direction: str = "",
    field: str = "",
    region: str = "",
) -> QuerySet[Match]:
    """The list filters shared by the browser list and /api/matches/."""
    if status:
        qs = qs.filter(status__in=[s for s in status.split(",") if s])
    if direction:
        qs = qs.filter(direction=direction)
    if field:
        qs = qs.filter(Q(need__fields__code=field) | Q(need__fields__parent__code=field))
    if region:
        qs = qs.filter(
            Q(need__region_code__startswith=region)
            | Q(result__region_code__startswith=region)
            | Q(expert__region_code__startswith=region)
        )
    return qs.distinct()


def contact_shared_with(*, user: User | None, posting: Posting) -> bool:
    """True when ``user`` is on the other side of a pair with ``posting`` that both sides
    accepted (contacts exchanged)."""
    from portal.models import Expert, Need, Result

    if not _authenticated(user):
        return False
    assert user is not None
    if user.is_bureau_staff:
        return False  # staff see contacts of their own region only (portal.access)
    agreed = Match.objects.filter(case__contacts_shared_at__isnull=False)
    if isinstance(posting, Need):
        return agreed.filter(_offer_side_q(user), need=posting).exists()
    if isinstance(posting, Result):
        return agreed.filter(_need_side_q(user), result=posting).exists()
    if isinstance(posting, Expert):
        return agreed.filter(_need_side_q(user), expert=posting).exists()
    return False


def contact_of(posting: Posting) -> dict[str, str]:
    """The posting's contact details, falling back to its organisation's."""
    org = posting.organization
    name = posting.contact_name or (org.contact_name if org else "")
    phone = posting.contact_phone or (org.contact_phone if org else "")
    email = posting.contact_email or (org.contact_email if org else "")
    if not (name or phone or email):
        user = getattr(posting, "user", None) or posting.created_by
        if user is not None and not user.is_bureau_staff:
            name, phone, email = str(user), user.phone, user.email
    return {"name": name, "phone": phone, "email": email}
