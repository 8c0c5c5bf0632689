"""Who is who in a pair: its supply side, which side a user speaks for, who is told on each
side, and whether a user acts on it as staff or as a party.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Membership, User
from matching.models import Match, MatchSide
from matching.pairs import scoping
from portal.models import Expert, Need, Result

STAFF = "staff"
PARTY = "party"


def is_signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def offer_of(match: Match) -> Result | Expert:
    """The supply side of the pair: the result or the expert."""
    offer = match.offer
    assert offer is not None
    return offer


# the roles through which an organisation speaks for its postings
PARTY_ROLES = (Membership.Role.ENTERPRISE, Membership.Role.RESEARCHER, Membership.Role.EXPERT)


def _is_posting_party(user: User, posting: Need | Result | Expert) -> bool:
    if isinstance(posting, Expert):
        if posting.user_id is not None:
            return posting.user_id == user.pk
        return posting.created_by_id == user.pk and not user.is_bureau_staff
    if posting.created_by_id == user.pk and not user.is_bureau_staff:
        return True
    org = user.organization
    return org is not None and posting.organization_id == org.pk and user.role in PARTY_ROLES


def user_side(match: Match, user: User | None) -> str | None:
    """Which side of the pair the user speaks for, if any."""
    if not is_signed_in(user):
        return None
    assert user is not None
    if _is_posting_party(user, match.need):
        return MatchSide.NEED
    if _is_posting_party(user, offer_of(match)):
        return MatchSide.OFFER
    return None


def side_users(match: Match, side: str) -> list[User]:
    """Who is told about the pair on one side (the posting's people, never staff)."""
    posting = match.need if side == MatchSide.NEED else offer_of(match)
    users: dict[int, User] = {}
    if isinstance(posting, Expert):
        candidate = posting.user if posting.user_id else posting.created_by
        if candidate is not None and candidate.is_active and not candidate.is_bureau_staff:
            users[candidate.pk] = candidate
        return list(users.values())
    if posting.created_by_id:
        creator = posting.created_by
        if creator is not None and creator.is_active and not creator.is_bureau_staff:
            users[creator.pk] = creator
    if posting.organization_id:
        # the organisation speaks through the members whose role posts this kind: the
        # enterprise's people for a need, the research team's for a result (not, say, every
        # expert of a university)
        role = (
            Membership.Role.ENTERPRISE if isinstance(posting, Need) else Membership.Role.RESEARCHER
        )
        members = User.objects.filter(
            is_active=True,
            memberships__organization_id=posting.organization_id,
            memberships__role=role,
        ).distinct()
        for member in members:
            users.setdefault(member.pk, member)
    return list(users.values())


def role_of(match: Match, user: User | None) -> str | None:
    if scoping.match_in_jurisdiction(user, match):
        return STAFF
    if user_side(match, user) is not None:
        return PARTY
    return None
