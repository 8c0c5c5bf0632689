"""Read queries for users and organisations, scoped to who asks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Membership, Organization, User


def organization_list_visible_to(*, user: User | None) -> QuerySet[Organization]:
    """Verified organisations for everyone; staff also see pending ones in their jurisdiction."""
    qs = Organization.objects.all()
    if user is not None and user.is_authenticated and user.is_bureau_staff:
        prefix = user.jurisdiction
        if prefix:
            return qs.filter(region_code__startswith=prefix) | qs.filter(is_verified=True)
        return qs
    if user is not None and user.is_authenticated and user.organization is not None:
        return qs.filter(is_verified=True) | qs.filter(pk=user.organization.pk)
    return qs.filter(is_verified=True)


def organization_list_pending(*, user: User) -> QuerySet[Organization]:
    qs = Organization.objects.filter(is_verified=False)
    prefix = user.jurisdiction
    if prefix is None:
        return qs.none()
    return qs.filter(region_code__startswith=prefix) if prefix else qs


def user_memberships_load(users: Iterable[User | None]) -> None:
    """Fetch the membership of many users in one query, so that ``user.role``,
    ``user.organization`` and ``user.is_bureau_staff`` cost nothing per row of a list.

    Each user gets what :attr:`User.membership` would have fetched on first use (the
    oldest membership, with its organisation); users whose membership is loaded already are
    left alone.
    """
    pending = [user for user in users if user is not None and "membership" not in user.__dict__]
    if not pending:
        return
    first: dict[int, Membership] = {}
    memberships = (
        Membership.objects.select_related("organization")
        .filter(user_id__in={user.pk for user in pending})
        .order_by("id")
    )
    for membership in memberships:
        first.setdefault(membership.user_id, membership)
    for user in pending:
        # ``membership`` is a cached_property: its cache is the instance's __dict__.
        user.__dict__["membership"] = first.get(user.pk)
