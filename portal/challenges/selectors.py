"""Reads of challenge lists and competitions, scoped to who asks.

Programmes other than drafts are public, with their challenges. Entries are seen by their
own units (lead and consortium members), by the reviewers assigned to them, and by staff
managing the programme; during publicity and after, the selected and awarded entries'
titles and units are public (that is what 公示 means). Reviews: see
:func:`portal.challenges.reviews.reviews_visible_to`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from matching.pairs import scoping
from portal.challenges.models import (
    Challenge,
    Entry,
    Member,
    Milestone,
    Programme,
    Reviewer,
)
from portal.challenges.services import can_manage

E = Entry.Status
PUBLIC_RESULT = (E.SELECTED, E.AWARDED)


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def programme_list_visible_to(*, user: User | None) -> QuerySet[Programme]:
    visible = ~Q(status=Programme.Status.DRAFT)
    if _authenticated(user) and user.jurisdiction is not None:  # type: ignore[union-attr]
        visible |= Q(region_code__startswith=user.jurisdiction)  # type: ignore[union-attr]
    return Programme.objects.filter(visible)


def programme_list_managed_by(*, user: User | None) -> QuerySet[Programme]:
    return scoping.scope_by_region(Programme.objects.all(), user)


def entry_list_visible_to(*, user: User | None, programme: Programme) -> QuerySet[Entry]:
    qs = Entry.objects.filter(programme=programme).select_related(
        "lead", "challenge", "group", "stage", "result", "expert"
    )
    if can_manage(user, programme):
        return qs
    visible = Q(pk__in=[])
    if programme.status in (Programme.Status.PUBLICITY, Programme.Status.FINAL):
        visible |= Q(status__in=PUBLIC_RESULT)
    if _authenticated(user):
        assert user is not None
        org = user.organization
        if org is not None:
            visible |= Q(lead=org) | Q(members__organization=org)
        assigned = Reviewer.objects.filter(user=user, stage__programme=programme)
        for reviewer in assigned:
            scope = Q(stage=reviewer.stage)
            if reviewer.challenge_id:
                scope &= Q(challenge_id=reviewer.challenge_id)
            visible |= scope & ~Q(status__in=(E.DRAFT, E.WITHDRAWN, E.CONFIRMING))
    return qs.filter(visible).distinct()


def my_entries(*, user: User | None) -> QuerySet[Entry]:
    if not _authenticated(user) or user.organization is None:  # type: ignore[union-attr]
        return Entry.objects.none()
    org = user.organization  # type: ignore[union-attr]
    return (
        Entry.objects.filter(Q(lead=org) | Q(members__organization=org))
        .select_related("programme", "challenge", "lead")
        .distinct()
    )


def entries_to_confirm(*, user: User | None) -> QuerySet[Member]:
    if not _authenticated(user) or user.organization is None:  # type: ignore[union-attr]
        return Member.objects.none()
    return Member.objects.filter(
        organization=user.organization,  # type: ignore[union-attr]
        confirmed_at__isnull=True,
        entry__status=E.CONFIRMING,
    ).select_related("entry__programme", "entry__lead")


def assignments_of(*, user: User | None) -> QuerySet[Reviewer]:
    if not _authenticated(user):
        return Reviewer.objects.none()
    return Reviewer.objects.filter(user=user).select_related("stage__programme", "challenge")


def overdue_milestones(*, user: User | None) -> QuerySet[Milestone]:
    """Milestones past due and not done, in the staff member's jurisdiction (to-do list)."""
    programmes = programme_list_managed_by(user=user)
    return (
        Milestone.objects.filter(
            entry__programme__in=programmes,
            done_at__isnull=True,
            due_date__lt=timezone.localdate(),
        )
        .select_related("entry__programme", "entry__lead", "entry__challenge")
        .order_by("due_date")
    )


def follow_ups_due(*, user: User | None) -> QuerySet[Entry]:
    """Competition winners flagged for follow-up whose date has come (to-do list)."""
    return Entry.objects.filter(
        programme__in=programme_list_managed_by(user=user),
        follow_up=True,
        follow_up_due__lte=timezone.localdate(),
    ).select_related("programme", "lead")


def challenge_stats(*, challenge: Challenge) -> dict[str, Any]:
    entries = challenge.entries.exclude(status__in=(E.DRAFT, E.WITHDRAWN))
    return {
        "bids": entries.count(),
        "consortia": entries.annotate(n=Count("members")).filter(n__gt=1).count(),
    }


def programme_stats(*, programme: Programme) -> dict[str, Any]:
    """Challenges, bids per challenge, consortium share, awarded funding, delivery."""
    entries = programme.entries.exclude(status__in=(E.DRAFT, E.WITHDRAWN))
    counted = entries.count()
    consortia = entries.annotate(n=Count("members")).filter(n__gt=1).count()
    awarded = entries.filter(status=E.AWARDED)
    funding = programme.challenges.filter(entries__status=E.AWARDED).aggregate(s=Sum("funding"))[
        "s"
    ] or Decimal(0)
    milestones = Milestone.objects.filter(entry__programme=programme)
    challenges = programme.challenges.count()
    return {
        "challenges": challenges,
        "entries": counted,
        "entries_per_challenge": round(counted / challenges, 2) if challenges else None,
        "consortium_share": round(consortia / counted, 3) if counted else 0.0,
        "awarded": awarded.count(),
        "awarded_funding": funding,
        "prizes": awarded.aggregate(s=Sum("prize"))["s"] or Decimal(0),
        "milestones": milestones.count(),
        "milestones_done": milestones.filter(done_at__isnull=False).count(),
        "milestones_overdue": milestones.filter(
            done_at__isnull=True, due_date__lt=timezone.localdate()
        ).count(),
    }
