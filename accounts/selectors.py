"""Read queries for users and organisations, scoped to who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organization, User


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
