"""Read queries of the registers, always scoped to who asks (one place for visibility)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import AllianceMembership
from portal.models import Expert, Need, PostingStatus, Result, TechField

if TYPE_CHECKING:
    from accounts.models import User

POSTING_MODELS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    "need": Need,
    "result": Result,
    "expert": Expert,
}
KINDS: tuple[str, ...] = tuple(POSTING_MODELS)

_SELECT_RELATED: dict[str, tuple[str, ...]] = {
    "need": ("organization", "expected_maturity", "members_first_alliance"),
    "result": ("organization", "maturity", "members_first_alliance"),
    "expert": ("organization",),
}
_PREFETCH: dict[str, tuple[str, ...]] = {
    "need": ("fields", "cooperation_modes"),
    "result": ("fields", "cooperation_modes", "ip_types"),
    "expert": ("fields", "cooperation_modes"),
}


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _base(kind: str, *, with_attachments: bool = False) -> QuerySet[Any]:
    """Every relation a list row shows, fetched with the page: a fixed number of queries
    (one per prefetched relation) whatever the page size."""
    model = POSTING_MODELS[kind]
    prefetch = _PREFETCH[kind] + (("attachments",) if with_attachments else ())
    return model.objects.select_related(*_SELECT_RELATED[kind]).prefetch_related(*prefetch)


def _owner_q(kind: str, user: User, prefix: str = "") -> Q:
    """``prefix`` reaches the posting through a relation ("match__result__")."""
    q = Q(**{f"{prefix}created_by_id": user.pk})
    org = user.organization
    if org is not None:
        q |= Q(**{f"{prefix}organization_id": org.pk})
    if kind == "expert":
        q |= Q(**{f"{prefix}user_id": user.pk})
    return q


def _jurisdiction_q(user: User, prefix: str = "") -> Q | None:
    jurisdiction = user.jurisdiction
    if jurisdiction is None:
        return None
    return Q(**{f"{prefix}region_code__startswith": jurisdiction}) if jurisdiction else Q()


def _members_first_over_q(user: User | None, prefix: str = "") -> Q | None:
    """Postings no members-first period holds back from this user: none set, its date
    passed (compared with today in the query, so nothing has to run when it ends), or the
    user's organisation is a member of the alliance. None: nothing is held back from this
    user (bureau staff of any region broker every pair, so they see them all)."""
    org = None
    if user is not None and _authenticated(user):
        if user.jurisdiction is not None:
            return None
        org = user.organization
    q = Q(**{f"{prefix}members_first_until__isnull": True})
    q |= Q(**{f"{prefix}members_first_until__lt": timezone.localdate()})
    q |= Q(**{f"{prefix}members_first_alliance__isnull": True})
    if org is not None:
        alliances = AllianceMembership.objects.filter(organization_id=org.pk)
        q |= Q(**{f"{prefix}members_first_alliance__in": alliances.values("alliance_id")})
    return q


def members_first_open_q(*, kind: str, user: User | None, prefix: str = "") -> Q:
    """Postings (of ``kind``, reached through ``prefix``) that no members-first period hides
    from ``user``: the rule of :func:`posting_list_visible_to`, for lists that show postings
    of other statuses too (the recommendation lists show closed counterparts with their
    stage)."""
    over = _members_first_over_q(user, prefix)
    if over is None:
        return Q()
    if user is not None and _authenticated(user):
        over |= _owner_q(kind, user, prefix)
    return over


def posting_list_visible_to(
    *, kind: str, user: User | None, with_attachments: bool = False
) -> QuerySet[Any]:
    """Published postings for everyone; owners and staff of the region also see the rest.

    A published posting shared "members first" with an alliance is, until its
    ``members_first_until`` date, only for the members of that alliance, its owners and
    bureau staff; after that date it is public like any other.

    ``with_attachments`` prefetches the attachments too, for lists that show them per row
    (the API); the browser lists do not, so they skip that query.
    """
    qs = _base(kind, with_attachments=with_attachments)
    visible = Q(status=PostingStatus.PUBLISHED)
    members_first_over = _members_first_over_q(user)
    if members_first_over is not None:
        visible &= members_first_over
    if _authenticated(user):
        assert user is not None
        visible |= _owner_q(kind, user)
        jurisdiction = _jurisdiction_q(user)
        if jurisdiction is not None:
            if not jurisdiction:  # empty Q: everywhere
                return qs
            visible |= jurisdiction
    return qs.filter(visible)


def need_list_visible_to(*, user: User | None) -> QuerySet[Need]:
    return posting_list_visible_to(kind="need", user=user)


def result_list_visible_to(*, user: User | None) -> QuerySet[Result]:
    return posting_list_visible_to(kind="result", user=user)


def expert_list_visible_to(*, user: User | None) -> QuerySet[Expert]:
    return posting_list_visible_to(kind="expert", user=user)


def posting_list_public(*, kind: str) -> QuerySet[Any]:
    """Every published posting, members-first ones included: for counts, not for showing."""
    return _base(kind).filter(status=PostingStatus.PUBLISHED)


def posting_list_owned_by(*, kind: str, user: User) -> QuerySet[Any]:
    """ "My needs / my results / my profile": what the user's organisation (or they) own."""
    return _base(kind).filter(_owner_q(kind, user)).order_by("-updated_at")


def posting_list_pending_review(*, kind: str, user: User) -> QuerySet[Any]:
    """Submitted postings in the staff member's jurisdiction, oldest first."""
    jurisdiction = _jurisdiction_q(user)
    if jurisdiction is None:
        return _base(kind).none()
    return (
        _base(kind)
        .filter(jurisdiction, status=PostingStatus.SUBMITTED)
        .select_related("created_by")
        .order_by("submitted_at", "pk")
    )


def review_counts(*, user: User) -> dict[str, int]:
    """Pending review counts per kind for the navigation badge."""
    if not _authenticated(user) or user.jurisdiction is None:
        return dict.fromkeys(KINDS, 0)
    return {
        kind: posting_list_pending_review(kind=kind, user=user).order_by().count() for kind in KINDS
    }


def posting_list_needing_reconfirm(*, kind: str, user: User) -> QuerySet[Any]:
    """The user's published postings flagged for re-confirmation."""
    return posting_list_owned_by(kind=kind, user=user).filter(
        status=PostingStatus.PUBLISHED, reconfirm_requested_at__isnull=False
    )


def tech_field_list() -> QuerySet[TechField]:
    return TechField.objects.filter(is_active=True).select_related("parent")


def register_stats() -> list[dict[str, object]]:
    from django.utils.translation import gettext as _

    return [
        {"label": _("技术需求"), "value": posting_list_public(kind="need").count()},
        {"label": _("科技成果"), "value": posting_list_public(kind="result").count()},
        {"label": _("科技专家"), "value": posting_list_public(kind="expert").count()},
    ]
