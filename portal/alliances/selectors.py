"""Reads of the alliances, scoped to who asks.

Active alliances are public; a deactivated one stays visible to its admins and to bureau
staff whose jurisdiction covers it. Its members' postings are read through
:func:`portal.selectors.posting_list_visible_to`, so a members-first posting shows only to
those it is open to; its figures count the pairs either side of which a member posted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import Alliance, AllianceMembership, Organization
from matching.dashboards.counting import pair_outcomes, pair_stage_counts
from matching.models import Match
from portal import access, selectors
from portal.models import PostingStatus

if TYPE_CHECKING:
    from accounts.models import User

# How many of the members' needs (and results) an alliance page and its API show.
POSTINGS_SHOWN = 20


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def alliance_list_visible_to(*, user: User | None) -> QuerySet[Alliance]:
    """Active alliances for everyone; staff also see the inactive ones of their region and
    admins their own. Each row counts its members (``member_count``)."""
    visible = Q(is_active=True)
    if _authenticated(user):
        assert user is not None
        visible |= Q(admins=user)
        prefix = user.jurisdiction
        if prefix is not None:
            visible |= Q(region_code__startswith=prefix)
    ids = Alliance.objects.filter(visible).values("pk")
    return (
        Alliance.objects.filter(pk__in=ids)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name")
    )


def get_alliance_for_user(*, user: User | None, alliance_id: int) -> Alliance:
    """The alliance if the user may see it; 404 otherwise."""
    alliance = alliance_list_visible_to(user=user).filter(pk=alliance_id).first()
    if alliance is None:
        raise Http404
    return alliance


def can_manage_alliance(user: User | None, alliance: Alliance) -> bool:
    """Its admins, and bureau staff whose jurisdiction covers its region, manage members
    and edit its description."""
    if not _authenticated(user):
        return False
    assert user is not None
    prefix = user.jurisdiction
    if prefix is not None and alliance.region_code.startswith(prefix):
        return True
    return alliance.admins.filter(pk=user.pk).exists()


def can_create_alliance(user: User | None) -> bool:
    """Bureau staff create alliances (in their own jurisdiction)."""
    return _authenticated(user) and user.jurisdiction is not None  # type: ignore[union-attr]


def alliance_memberships(*, alliance: Alliance) -> QuerySet[AllianceMembership]:
    """Its members, the lead unit first, then by name."""
    return (
        AllianceMembership.objects.filter(alliance=alliance)
        .select_related("organization")
        .order_by("role", "organization__name")
    )


def is_alliance_member(*, user: User | None, alliance: Alliance) -> bool:
    org = user.organization if user is not None and _authenticated(user) else None
    return (
        org is not None
        and AllianceMembership.objects.filter(alliance=alliance, organization=org).exists()
    )


def alliance_postings(
    *, alliance: Alliance, user: User | None, kind: str, limit: int = POSTINGS_SHOWN
) -> list[Any]:
    """The members' published needs or results this user may see: those still shared
    members first at the top (for members, the point of the page), then the newest.

    Members-first postings of this (or another) alliance come only to those they are open
    to; a need whose enterprise is confidential is left out for those who may not see
    which organisation posted it (listing it here would tell them).
    """
    member_ids = AllianceMembership.objects.filter(alliance=alliance).values("organization_id")
    members_first_now = Case(
        When(members_first_until__gte=timezone.localdate(), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    qs = (
        selectors.posting_list_visible_to(kind=kind, user=user)
        .filter(status=PostingStatus.PUBLISHED, organization_id__in=member_ids)
        .order_by(members_first_now.desc(), "-published_at", "-pk")
    )
    shown: list[Any] = []
    # a few more rows than shown, for the confidential ones left out
    for posting in qs[: limit * 2]:
        if "organization" in access.hidden_fields(user, posting):
            continue
        shown.append(posting)
        if len(shown) == limit:
            break
    return shown


def alliance_matches(*, alliance: Alliance) -> QuerySet[Match]:
    """Pairs either side of which an organisation of the alliance posted (each pair once)."""
    member_ids = AllianceMembership.objects.filter(alliance=alliance).values("organization_id")
    return Match.objects.filter(
        Q(need__organization_id__in=member_ids)
        | Q(result__organization_id__in=member_ids)
        | Q(expert__organization_id__in=member_ids)
    )


def alliance_stats(*, alliance: Alliance) -> dict[str, Any]:
    """The members' pairs: how many, per stage, intentions, signed with contract value and
    landed (counted as the dashboards count them)."""
    matches = alliance_matches(alliance=alliance)
    return {
        "pairs": matches.count(),
        **pair_outcomes(matches),
        "by_stage": pair_stage_counts(matches),
    }


def alliance_events(alliance: Alliance, user: User | None) -> list[Any]:
    """The events the alliance hosts (its annual meeting, matchmaking meetings) that this
    user may see, newest first, for the "联盟活动" block of its page."""
    from portal.events.selectors import event_list_visible_to

    return list(event_list_visible_to(user=user).filter(alliance=alliance).order_by("-start_date"))


def organization_candidates(*, alliance: Alliance, query: str, limit: int = 20) -> list[Any]:
    """Verified organisations not yet members whose name contains ``query`` (or whose id it
    is), for the admins' "add a member" search."""
    query = query.strip()[:100]
    if not query:
        return []
    cond = Q(name__icontains=query)
    if query.isdigit():
        cond |= Q(pk=int(query))
    members = AllianceMembership.objects.filter(alliance=alliance).values("organization_id")
    return list(
        Organization.objects.filter(cond, is_verified=True)
        .exclude(pk__in=members)
        .order_by("name")[:limit]
    )
