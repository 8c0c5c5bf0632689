"""Reads of the match workflow, always scoped to who asks (staff: jurisdiction; parties:
their own pairs once approved). Views, API and exports all read through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.selectors import user_memberships_load
from matching.models import Match, MatchStatus, MatchTransition, PairKind, Recommendation
from matching.pairs import scoping
from matching.pairs.followups import match_list_due
from matching.pairs.parties import PARTY_ROLES
from matching.pairs.services import PIPELINE
from portal.models import Need
from portal.reference.regions import region_prefix

if TYPE_CHECKING:
    from accounts.models import User
    from portal.models.registers import Posting

# What parties never see: pairs not yet approved, or turned down by staff.
HIDDEN_FROM_PARTIES = (MatchStatus.SUGGESTED, MatchStatus.REJECTED)


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _base() -> QuerySet[Match]:
    # The people behind each side come along: contact_of falls back to them.
    return Match.objects.select_related(
        "need",
        "need__organization",
        "need__created_by",
        "result",
        "result__organization",
        "result__created_by",
        "expert",
        "expert__organization",
        "expert__user",
        "expert__created_by",
        "case",
        "case__responsible",
    )


def pair_people_load(matches: Iterable[Match]) -> None:
    """Load the memberships of the people behind the pairs' postings (creators, experts in
    person) in one query: :func:`contact_of` asks whether each is bureau staff."""
    users: list[User | None] = []
    for match in matches:
        for posting in (match.need, match.result, match.expert):
            if posting is not None:
                users.append(posting.created_by)
                users.append(getattr(posting, "user", None))
    user_memberships_load(users)


def _need_side_q(user: User) -> Q:
    q = Q(need__created_by=user)
    org = user.organization
    if org is not None and user.role in PARTY_ROLES:
        q |= Q(need__organization=org)
    return q


def _offer_side_q(user: User) -> Q:
    q = Q(result__created_by=user) | Q(expert__user=user)
    q |= Q(expert__user__isnull=True, expert__created_by=user)
    org = user.organization
    if org is not None and user.role in PARTY_ROLES:
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


def _field_and_region(qs: QuerySet[Match], *, field: str, region: str) -> QuerySet[Match]:
    """``field``: a technology-field code of the need (top level or sub-field); ``region``:
    a region-code prefix either side of the pair is in."""
    if field:
        qs = qs.filter(Q(need__fields__code=field) | Q(need__fields__parent__code=field))
    if region:
        qs = qs.filter(
            Q(need__region_code__startswith=region)
            | Q(result__region_code__startswith=region)
            | Q(expert__region_code__startswith=region)
        )
    return qs


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
    listed = Recommendation.objects.filter(match_id=OuterRef("pk"))
    qs = (
        scoping.scope_matches(_base(), user)
        .filter(status=MatchStatus.SUGGESTED)
        # a suggestion no list shows any more is not waiting for anyone
        .filter(Exists(listed))
    )
    qs = _field_and_region(qs, field=field, region=region)
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    now = timezone.now()
    if max_age_days is not None:
        qs = qs.filter(created_at__gte=now - dt.timedelta(days=max_age_days))
    if min_age_days is not None:
        qs = qs.filter(created_at__lte=now - dt.timedelta(days=min_age_days))
    if direction:
        qs = qs.filter(kind=pair_kind(direction))
    # best-placed first: rank 1 of some list before rank 2 of any, then by score
    best_rank = Recommendation.objects.filter(match_id=OuterRef("pk")).order_by("rank")
    return (
        qs.distinct()
        .annotate(best_rank=Subquery(best_rank.values("rank")[:1]))
        .order_by("best_rank", "-score", "id")
    )


def pair_kind(value: str) -> str:
    """A pair kind from a filter value; the old direction names still work."""
    return {"result_need": PairKind.NEED_RESULT, "expert_need": PairKind.NEED_EXPERT}.get(
        value, value
    )


def match_list_due_for(*, user: User) -> QuerySet[Match]:
    """The "需跟进" list of the user's jurisdiction."""
    return scoping.scope_matches(match_list_due(), user)


def period_stage(*, status: str = "", reached: str = "") -> str:
    """The stage whose date a period filter reads: ``reached`` if given, else the earliest
    pipeline stage among the listed statuses (``signed,landed`` → signed), else the first
    listed status; "" (no stage) means the pair's creation date."""
    if reached:
        return reached
    listed = [s for s in status.split(",") if s]
    in_pipeline = [s for s in PIPELINE if s in listed]
    if in_pipeline:
        return in_pipeline[0]
    return listed[0] if listed else ""


def _stages_from(stage: str) -> tuple[str, ...]:
    """The stages that mean ``stage`` was reached: itself and every later pipeline stage."""
    if stage in PIPELINE:
        return PIPELINE[PIPELINE.index(stage) :]
    return (stage,)


def reached_at_expression(stage: str) -> Any:
    """When a pair first reached ``stage`` (or a later pipeline stage), by its recorded
    transitions; a pair created at that stage or beyond without a transition counts from its
    creation. For "" or the first stage it is the pair's creation time."""
    if not stage or stage == MatchStatus.SUGGESTED:
        return F("created_at")
    later = _stages_from(stage)
    first = (
        MatchTransition.objects.filter(match_id=OuterRef("pk"), to_status__in=later)
        .order_by("at")
        .values("at")[:1]
    )
    return Coalesce(
        Subquery(first),
        Case(When(status__in=later, then=F("created_at")), output_field=DateTimeField()),
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def match_filter(
    qs: QuerySet[Match],
    *,
    status: str = "",
    direction: str = "",
    field: str = "",
    region: str = "",
    reached: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Match]:
    """The list filters shared by the browser list, /api/matches/ and the dashboard.

    ``status``: current stages, comma-separated; ``reached``: pairs that reached this
    stage (now there or beyond, or a transition shows they were); ``region``: a division
    code (370100) or its prefix (3701), either side of the pair in it; ``field``: the need's
    technology field (top level or sub-field); ``date_from``/``date_to`` (inclusive, local
    dates): the date the pair reached the stage of :func:`period_stage`, its creation date
    when no stage is named. The dashboard counts through this function, so its numbers and
    the lists they link to agree.
    """
    if status:
        qs = qs.filter(status__in=[s for s in status.split(",") if s])
    if direction:
        qs = qs.filter(kind=pair_kind(direction))
    if reached:
        later = _stages_from(reached)
        if reached != MatchStatus.SUGGESTED:
            reached_ids = MatchTransition.objects.filter(to_status__in=later).values("match_id")
            qs = qs.filter(Q(status__in=later) | Q(pk__in=reached_ids))
    if region:
        region = region_prefix(region) if len(region) == 6 else region
    qs = _field_and_region(qs, field="", region=region)
    if field:
        # EXISTS, not a join: a need in two sub-fields of the field still lists its pair once
        need_fields = Need.fields.through.objects.filter(need_id=OuterRef("need_id")).filter(
            Q(techfield__code=field) | Q(techfield__parent__code=field)
        )
        qs = qs.filter(Exists(need_fields))
    if date_from is not None or date_to is not None:
        qs = qs.annotate(
            reached_at=reached_at_expression(period_stage(status=status, reached=reached))
        )
        if date_from is not None:
            qs = qs.filter(reached_at__gte=_day_start(date_from))
        if date_to is not None:
            qs = qs.filter(reached_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs


# Stages in which the two sides of a pair see each other's contact details.
CONTACT_STAGES = (
    MatchStatus.CONTACTED,
    MatchStatus.NEGOTIATING,
    MatchStatus.INTENTION,
    MatchStatus.SIGNED,
)


def _named_on(user: User, posting: Posting) -> bool:
    """The people a side of a pair is: whoever posted it, the expert in person, and the
    organisation's contact person (by the phone or e-mail the organisation gives)."""
    from portal.models import Expert

    if isinstance(posting, Expert) and posting.user_id is not None:
        return posting.user_id == user.pk
    if posting.created_by_id == user.pk:
        return True
    org = posting.organization
    if org is None or user.organization is None or user.organization.pk != org.pk:
        return False
    return bool(
        (org.contact_phone and user.phone == org.contact_phone)
        or (org.contact_email and user.email and user.email == org.contact_email)
    )


def pair_contacts_visible(*, user: User | None, match: Match) -> bool:
    """Both sides' contact details show inside an open pair that both sides accepted, to
    the people of the pair and to staff of its region; nobody sees them once it is
    closed, declined or finished."""
    if not _authenticated(user) or match.status not in CONTACT_STAGES:
        return False
    assert user is not None
    case = getattr(match, "case", None)
    if case is None or case.contacts_shared_at is None:
        return False
    if scoping.match_in_jurisdiction(user, match):
        return True
    offer = match.result if match.result_id else match.expert
    return _named_on(user, match.need) or (offer is not None and _named_on(user, offer))


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
