"""Reads of dispatch rounds, scoped to who asks, and the experts' ledger (工作台账).

Rounds other than drafts are public (title, period, counts). Assignments and visits are seen
by the expert assigned, the enterprise served and staff managing the round.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from matching.models import MatchStatus
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit
from portal.dispatch.services import can_manage


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def round_list_visible_to(*, user: User | None) -> QuerySet[Round]:
    visible = ~Q(status=Round.Status.DRAFT)
    if _authenticated(user) and user.jurisdiction is not None:  # type: ignore[union-attr]
        visible |= Q(region_code__startswith=user.jurisdiction)  # type: ignore[union-attr]
    return Round.objects.filter(visible)


def assignment_list_visible_to(*, user: User | None, round_: Round) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(round=round_).select_related(
        "enterprise__organization", "volunteer__expert", "need"
    )
    if can_manage(user, round_):
        return qs
    if not _authenticated(user) or round_.status != Round.Status.PUBLISHED:
        return qs.none()
    assert user is not None
    org = user.organization
    mine = Q(volunteer__expert__user=user)
    if org is not None:
        mine |= Q(enterprise__organization=org)
    return qs.filter(mine)


def my_assignments(*, user: User | None) -> QuerySet[Assignment]:
    """An expert's published assignments and an enterprise's experts."""
    if not _authenticated(user):
        return Assignment.objects.none()
    assert user is not None
    mine = Q(volunteer__expert__user=user)
    if user.organization is not None:
        mine |= Q(enterprise__organization=user.organization)
    return (
        Assignment.objects.filter(mine, round__status=Round.Status.PUBLISHED)
        .select_related("round", "enterprise__organization", "volunteer__expert")
        .annotate(visit_count=Count("visits"))
    )


def visits_to_confirm(*, user: User | None) -> QuerySet[Visit]:
    if not _authenticated(user) or user.organization is None:  # type: ignore[union-attr]
        return Visit.objects.none()
    return Visit.objects.filter(
        assignment__enterprise__organization=user.organization,  # type: ignore[union-attr]
        confirmed_at__isnull=True,
    ).select_related("assignment__volunteer__expert")


def overdue_assignments(*, user: User | None) -> QuerySet[Assignment]:
    """Published assignments with no visit logged ``visit_due_days`` after publication, in
    the staff member's jurisdiction (to-do list)."""
    if not _authenticated(user) or user.jurisdiction is None:  # type: ignore[union-attr]
        return Assignment.objects.none()
    rows = Assignment.objects.filter(
        round__region_code__startswith=user.jurisdiction,  # type: ignore[union-attr]
        round__status=Round.Status.PUBLISHED,
        visits__isnull=True,
    ).select_related("round", "enterprise__organization", "volunteer__expert")
    now = timezone.now()
    return rows.filter(
        pk__in=[
            a.pk
            for a in rows
            if a.round.published_at and (now - a.round.published_at).days >= a.round.visit_due_days
        ]
    )


def ledger(*, rounds: QuerySet[Round]) -> dict[str, list[dict[str, Any]]]:
    """工作台账: per expert and per institute, enterprises served, visits, average rating,
    problems diagnosed, pairs and contracts that came of it; per field and district, the
    coverage (enterprises served / to serve)."""
    assignments = list(
        Assignment.objects.filter(round__in=rounds)
        .select_related("volunteer__expert__organization", "enterprise__organization")
        .annotate(
            visit_count=Count("visits"),
            rating_avg=Avg("visits__rating"),
            pairs=Count("visits__match", distinct=True),
            contracts=Count(
                "visits__match",
                filter=Q(visits__match__status__in=(MatchStatus.SIGNED, MatchStatus.LANDED)),
                distinct=True,
            ),
        )
    )
    experts: dict[int, dict[str, Any]] = {}
    institutes: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"enterprises": 0, "visits": 0, "pairs": 0, "contracts": 0}
    )
    for a in assignments:
        expert = a.volunteer.expert
        row = experts.setdefault(
            expert.pk,
            {
                "expert": expert,
                "enterprises": 0,
                "visits": 0,
                "ratings": [],
                "pairs": 0,
                "contracts": 0,
            },
        )
        row["enterprises"] += 1
        row["visits"] += a.visit_count
        row["pairs"] += a.pairs
        row["contracts"] += a.contracts
        if a.rating_avg is not None:
            row["ratings"].append(float(a.rating_avg))
        name = expert.organization.name if expert.organization else expert.institution_name
        institute = institutes[name or "—"]
        institute["enterprises"] += 1
        institute["visits"] += a.visit_count
        institute["pairs"] += a.pairs
        institute["contracts"] += a.contracts
    for row in experts.values():
        ratings = row.pop("ratings")
        row["rating"] = round(sum(ratings) / len(ratings), 2) if ratings else None
    coverage: dict[tuple[str, str], dict[str, Any]] = {}
    served = {a.enterprise_id for a in assignments}
    for ent in (
        RoundEnterprise.objects.filter(round__in=rounds)
        .select_related("organization")
        .prefetch_related("needs__fields")
    ):
        fields = {f.name for n in ent.needs.all() for f in n.fields.all()} or {"—"}
        for field in fields:
            key = (field, ent.organization.region_name)
            cell = coverage.setdefault(
                key, {"field": field, "district": key[1], "to_serve": 0, "served": 0}
            )
            cell["to_serve"] += 1
            cell["served"] += ent.pk in served
    return {
        "experts": sorted(experts.values(), key=lambda r: (-r["visits"], r["expert"].pk)),
        "institutes": [{"institute": k, **v} for k, v in sorted(institutes.items())],
        "coverage": sorted(coverage.values(), key=lambda r: (r["field"], r["district"])),
    }
