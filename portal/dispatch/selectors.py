"""Reads of dispatch rounds, scoped to who asks, and the experts' ledger (工作台账).

Rounds other than drafts are public (title, period, counts). Assignments and visits are seen
by the expert assigned, the enterprise served and staff managing the round.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from matching.models import MatchStatus
from matching.pairs import scoping
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit, Volunteer
from portal.models import Attachment


def can_manage(user: Any, round_: Round) -> bool:
    """Bureau staff whose jurisdiction covers the round's region."""
    return scoping.code_in_jurisdiction(user, round_.region_code)


def is_assigned_expert(user: Any, assignment: Assignment) -> bool:
    return bool(user is not None and assignment.volunteer.expert.user_id == user.pk)


def can_see_visit(user: Any, visit: Visit) -> bool:
    """The expert, the served enterprise's people and the round's staff."""
    row = visit.assignment
    org = getattr(user, "organization", None)
    return (
        is_assigned_expert(user, row)
        or (org is not None and org.pk == row.enterprise.organization_id)
        or can_manage(user, row.round)
    )


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


def idle_assignments(*, region_prefix: str = "") -> QuerySet[Assignment]:
    """Published assignments in the region with no visit logged ``visit_due_days`` after
    publication."""
    rows = Assignment.objects.filter(
        round__region_code__startswith=region_prefix,
        round__status=Round.Status.PUBLISHED,
        visits__isnull=True,
    ).select_related("round", "enterprise__organization", "volunteer__expert")
    now = timezone.now()
    due = [
        pk
        for pk, published_at, days in rows.values_list(
            "pk", "round__published_at", "round__visit_due_days"
        )
        if published_at and (now - published_at).days >= days
    ]
    return rows.filter(pk__in=due)


def unconfirmed_visits(*, region_prefix: str = "", days: int = 7) -> QuerySet[Visit]:
    """Visits the enterprise has not confirmed ``days`` after they were logged."""
    return Visit.objects.filter(
        confirmed_at__isnull=True,
        created_at__lt=timezone.now() - dt.timedelta(days=days),
        assignment__round__region_code__startswith=region_prefix,
    ).select_related(
        "assignment__volunteer__expert",
        "assignment__enterprise__organization",
        "assignment__round",
    )


def overdue_assignments(*, user: User | None) -> QuerySet[Assignment]:
    """Idle assignments in the staff member's jurisdiction (to-do list)."""
    if not _authenticated(user) or user.jurisdiction is None:  # type: ignore[union-attr]
        return Assignment.objects.none()
    return idle_assignments(region_prefix=user.jurisdiction)  # type: ignore[union-attr]


def _blank_counts() -> dict[str, Any]:
    return {"enterprises": 0, "visits": 0, "confirmed": 0, "pairs": 0, "contracts": 0}


def _add_counts(row: dict[str, Any], a: Any) -> None:
    row["enterprises"] += 1
    row["visits"] += a.visit_count
    row["confirmed"] += a.confirmed
    row["pairs"] += a.pairs
    row["contracts"] += a.contracts


def ledger(*, rounds: QuerySet[Round]) -> dict[str, list[dict[str, Any]]]:
    """工作台账: per expert and per institute, enterprises served, visits, visits the enterprise
    confirmed (problems solved), average rating, pairs and contracts that came of it; per
    field and district, the coverage (enterprises served / to serve); per field, the experts'
    load (enterprises assigned / capacity offered)."""
    volunteers = list(
        Volunteer.objects.filter(round__in=rounds)
        .select_related("expert__organization")
        .prefetch_related("fields")
    )
    assignments = list(
        Assignment.objects.filter(round__in=rounds)
        .select_related("enterprise__organization")
        .annotate(
            visit_count=Count("visits"),
            confirmed=Count("visits", filter=Q(visits__confirmed_at__isnull=False)),
            rating_sum=Sum("visits__rating"),
            rating_n=Count("visits__rating"),
            pairs=Count("visits__match", distinct=True),
            contracts=Count(
                "visits__match",
                filter=Q(visits__match__status__in=(MatchStatus.SIGNED, MatchStatus.LANDED)),
                distinct=True,
            ),
        )
    )
    by_volunteer: dict[int, list[Any]] = defaultdict(list)
    for a in assignments:
        by_volunteer[a.volunteer_id].append(a)
    experts: dict[int, dict[str, Any]] = {}
    institutes: dict[str, dict[str, Any]] = defaultdict(_blank_counts)
    load: dict[str, dict[str, Any]] = {}
    expert_of: dict[int, int] = {}
    for v in volunteers:
        expert = v.expert
        expert_of[v.pk] = expert.pk
        name = expert.organization.name if expert.organization else expert.institution_name
        row = experts.setdefault(
            expert.pk,
            {
                "expert": expert,
                "institute": name or "",
                "capacity": 0,
                "rating_sum": 0,
                "rating_n": 0,
                **_blank_counts(),
            },
        )
        row["capacity"] += v.capacity
        mine = by_volunteer.get(v.pk, [])
        for a in mine:
            _add_counts(row, a)
            _add_counts(institutes[name or "—"], a)
            row["rating_sum"] += a.rating_sum or 0
            row["rating_n"] += a.rating_n
        for name in [f.name for f in v.fields.all()] or ["—"]:
            share = load.setdefault(
                name, {"field": name, "experts": 0, "capacity": 0, "assigned": 0}
            )
            share["experts"] += 1
            share["capacity"] += v.capacity
            share["assigned"] += len(mine)
    for row in experts.values():
        total, n = row.pop("rating_sum"), row.pop("rating_n")
        row["rating"] = round(total / n, 2) if n else None
        row["load"] = round(row["enterprises"] / row["capacity"], 2) if row["capacity"] else None
    for share in load.values():
        share["load"] = (
            round(share["assigned"] / share["capacity"], 2) if share["capacity"] else None
        )
    coverage: dict[tuple[str, str], dict[str, Any]] = {}
    serving: dict[int, set[int]] = defaultdict(set)
    for a in assignments:
        serving[a.enterprise_id].add(expert_of.get(a.volunteer_id, 0))
    for ent in (
        RoundEnterprise.objects.filter(round__in=rounds)
        .select_related("organization")
        .prefetch_related("needs__fields")
    ):
        fields = {f.name for n in ent.needs.all() for f in n.fields.all()} or {"—"}
        for field in fields:
            key = (field, ent.organization.region_name)
            cell = coverage.setdefault(
                key,
                {"field": field, "district": key[1], "to_serve": 0, "served": 0, "ids": set()},
            )
            cell["to_serve"] += 1
            cell["served"] += ent.pk in serving
            cell["ids"] |= serving.get(ent.pk, set())
    for cell in coverage.values():
        cell["experts"] = len(cell.pop("ids"))
    return {
        "experts": sorted(experts.values(), key=lambda r: (-r["visits"], r["expert"].pk)),
        "institutes": [{"institute": k, **v} for k, v in sorted(institutes.items())],
        "coverage": sorted(coverage.values(), key=lambda r: (r["field"], r["district"])),
        "load": sorted(load.values(), key=lambda r: r["field"]),
    }


def visit_attachments(visit: Visit) -> list[Attachment]:
    """The photos and reports of one visit, oldest first (set by :func:`with_files` when
    the visit came in a list)."""
    if not hasattr(visit, "files"):
        with_files([visit])
    return list(visit.files)  # type: ignore[attr-defined]


def with_files(visits: list[Visit]) -> list[Visit]:
    """Set ``visit.files`` (photos and reports, oldest first) on each visit, in one query."""
    found: dict[int, list[Attachment]] = defaultdict(list)
    for row in Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Visit),
        object_id__in=[v.pk for v in visits],
    ).order_by("created_at", "id"):
        found[row.object_id].append(row)
    for visit in visits:
        visit.files = found.get(visit.pk, [])  # type: ignore[attr-defined]
    return visits
