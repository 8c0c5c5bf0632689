"""Who may see, edit and review a posting: the rules live here and in portal.selectors only.

Access helpers in the healthchecks style: outsiders get 404 (the object is not in the
queryset they may see), readers who may not write get 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import Membership
from portal.models import Expert, Need, Result

if TYPE_CHECKING:
    from accounts.models import Organization, User
    from portal.models.registers import Posting

AnyPosting = Need | Result | Expert

# Fields of each kind that hold contact details (hidden unless can_see_contact).
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")
# What a Need's confidential flags hide from the public (flag → fields).
NEED_CONFIDENTIAL_MAP: dict[str, tuple[str, ...]] = {
    "description": ("description", "attachments"),
    "budget": ("budget_min", "budget_max"),
    "organization": ("organization",),
    "contact": CONTACT_FIELDS,
}

# Roles that may create each kind (bureau staff and admins always may).
CREATE_ROLES: dict[str, tuple[str, ...]] = {
    "need": (Membership.Role.ENTERPRISE,),
    "result": (Membership.Role.RESEARCHER, Membership.Role.EXPERT),
    "expert": (Membership.Role.EXPERT, Membership.Role.RESEARCHER),
}


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def in_jurisdiction(user: User | None, posting: Posting) -> bool:
    """Staff act on postings whose region code starts with their jurisdiction prefix."""
    if not _authenticated(user):
        return False
    prefix = user.jurisdiction  # type: ignore[union-attr]
    return prefix is not None and posting.region_code.startswith(prefix)


def is_owner(user: User | None, posting: Posting) -> bool:
    """A member of the posting's organisation, its creator, or the expert themself."""
    if not _authenticated(user):
        return False
    assert user is not None
    if posting.created_by_id == user.pk:
        return True
    if isinstance(posting, Expert) and posting.user_id == user.pk:
        return True
    org = user.organization
    return org is not None and posting.organization_id == org.pk


def can_view_all(user: User | None, posting: Posting) -> bool:
    """Owners and staff of the region see every field, confidential ones included."""
    return is_owner(user, posting) or in_jurisdiction(user, posting)


def can_see_contact(user: User | None, posting: Posting) -> bool:
    """Contact details on a posting's own pages: its owners and staff of the region.

    The other side of a brokered pair sees them inside the pair, not here
    (:func:`matching.pairs.selectors.pair_contacts_visible`), and only while it is open.
    """
    return can_view_all(user, posting)


def can_write(user: User | None, posting: Posting) -> bool:
    if not _authenticated(user):
        return False
    assert user is not None
    if in_jurisdiction(user, posting):
        return True
    if isinstance(posting, Expert):
        return posting.user_id == user.pk or (
            posting.user_id is None and posting.created_by_id == user.pk
        )
    return is_owner(user, posting)


def can_review(user: User | None, posting: Posting) -> bool:
    return in_jurisdiction(user, posting)


def can_create(user: User | None, kind: str) -> bool:
    if not _authenticated(user):
        return False
    assert user is not None
    return user.is_bureau_staff or user.role in CREATE_ROLES[kind]


def can_open_organization(user: User | None, organization: Organization) -> bool:
    """Whether the organisation's page opens for this user (accounts.selectors decides)."""
    from accounts.selectors import organization_list_visible_to

    return organization_list_visible_to(user=user).filter(pk=organization.pk).exists()


def hidden_fields(user: User | None, posting: Posting) -> frozenset[str]:
    """Names of fields this user may not see on this posting ("attachments" included)."""
    if can_view_all(user, posting):
        return frozenset()
    hidden: set[str] = set()
    if not can_see_contact(user, posting):
        hidden.update(CONTACT_FIELDS)
    if isinstance(posting, Need):
        for flag in posting.confidential_fields or []:
            hidden.update(NEED_CONFIDENTIAL_MAP.get(flag, ()))
    return frozenset(hidden)


def _get_for_user(kind: str, user: User | None, pk: int, *, write: bool) -> Any:
    from portal import selectors

    posting = get_object_or_404(selectors.posting_list_visible_to(kind=kind, user=user), pk=pk)
    if write and not can_write(user, posting):
        raise PermissionDenied
    return posting


def get_posting_for_user(kind: str, user: User | None, pk: int, *, write: bool = False) -> Any:
    """Outsiders get 404, readers asking to write get 403."""
    return _get_for_user(kind, user, pk, write=write)


def get_posting_for_review(kind: str, user: User | None, pk: int) -> Any:
    """Staff of the posting's region only: others who can see it get 403, the rest 404."""
    posting = _get_for_user(kind, user, pk, write=False)
    if not can_review(user, posting):
        raise PermissionDenied
    return posting


def get_need_for_user(user: User | None, pk: int, *, write: bool = False) -> Need:
    return _get_for_user("need", user, pk, write=write)  # type: ignore[no-any-return]


def get_result_for_user(user: User | None, pk: int, *, write: bool = False) -> Result:
    return _get_for_user("result", user, pk, write=write)  # type: ignore[no-any-return]


def get_expert_for_user(user: User | None, pk: int, *, write: bool = False) -> Expert:
    return _get_for_user("expert", user, pk, write=write)  # type: ignore[no-any-return]
