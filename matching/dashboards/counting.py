"""What the dashboards count: postings and pairs in the asker's scope under one filter,
from the stored facts while they are fresh (:mod:`matching.dashboards.facts`) or from the
registers, and the outcome sums of a set of pairs.

The definitions of each figure are in :mod:`matching.dashboards.stats`, which lays these
counts out as the dashboards' tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from matching.dashboards import facts
from matching.dashboards.filters import StatsFilter
from matching.models import Match, MatchStatus, MatchTransition
from matching.pairs import scoping
from matching.pairs.selectors import match_filter, period_stage, reached_at_expression
from portal.models import Expert, Need, PostingStatus, Result, TechField

if TYPE_CHECKING:
    from accounts.models import User

S = MatchStatus
KINDS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    "need": Need,
    "result": Result,
    "expert": Expert,
}
INTENTION_OR_LATER = (S.INTENTION, S.SIGNED, S.LANDED)
SIGNED_OR_LATER = (S.SIGNED, S.LANDED)
# Key of the breakdown row of what is filed under the region itself, not one below it.
OWN = "="


def is_staff_view(user: User | None) -> bool:
    return scoping.jurisdiction_of(user) is not None


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def money(value: Decimal | float | None) -> float:
    return round(float(value or 0), 2)


def postings_counted(*, kind: str, user: User | None, filters: StatsFilter) -> QuerySet[Any]:
    """The postings the figures count for this user and filter (module docstring), but for
    the field: :func:`matching.dashboards.facts.posting_groups` counts by field key."""
    model = KINDS[kind]
    if is_staff_view(user):
        qs = scoping.scope_by_region(model.objects.all(), user)
    else:
        qs = model.objects.filter(status=PostingStatus.PUBLISHED)
    qs = qs.filter(
        published_at__gte=day_start(filters.date_from),
        published_at__lt=day_start(filters.date_to + dt.timedelta(days=1)),
    )
    if filters.region:
        qs = qs.filter(region_code__startswith=filters.region_prefix)
    return qs


def matches_counted(*, user: User | None) -> QuerySet[Match]:
    if is_staff_view(user):
        return scoping.scope_matches(Match.objects.all(), user)
    return Match.objects.all()


def pairs(*, user: User | None, filters: StatsFilter, **criteria: str) -> QuerySet[Match]:
    """The pairs behind a figure: the pipeline list's filter with the dashboard's filter."""
    return match_filter(
        matches_counted(user=user),
        region=filters.region,
        field=filters.field,
        date_from=filters.date_from,
        date_to=filters.date_to,
        **criteria,
    )


def moved_pairs(*, user: User | None, filters: StatsFilter) -> list[dict[str, Any]]:
    """The pairs of the filter's region and field (any date) that moved past the
    suggestion (now at a later stage, or a transition shows they were), with what the
    figures need of each and when it first reached each stage (``at_<stage>``, as the
    pipeline list's period filter reads it): the brokered few, one query."""
    qs = match_filter(matches_counted(user=user), region=filters.region, field=filters.field)
    reached = {
        f"at_{stage}": reached_at_expression(stage) for stage in S.values if stage != S.SUGGESTED
    }
    # No move leads back to a suggestion, but a pair edited by hand might have: those are
    # looked up from the (short) transition table first. Two queries, not one with an OR,
    # so the planner sees how few rows each keeps (one OR: 140 ms over 25,000 pairs).
    back = MatchTransition.objects.filter(match__status=S.SUGGESTED).values_list(
        "match_id", flat=True
    )
    rows: list[dict[str, Any]] = []
    for moved in (qs.exclude(status=S.SUGGESTED), qs.filter(pk__in=list(back))):
        rows += (
            moved.order_by()
            .annotate(**reached)
            .values(
                "pk",
                "status",
                "created_at",
                "need_id",
                "need__region_code",
                "result__region_code",
                "expert__region_code",
                "case__contract_amount",
                *reached,
            )
        )
    return rows


def reached_at(row: dict[str, Any], stage: str) -> dt.datetime | None:
    if not stage or stage == S.SUGGESTED:
        return row["created_at"]  # type: ignore[no-any-return]
    return row[f"at_{stage}"]  # type: ignore[no-any-return]


def picked(
    rows: Iterable[dict[str, Any]], filters: StatsFilter, *, status: str = "", reached: str = ""
) -> list[dict[str, Any]]:
    """The rows of :func:`moved_pairs` the pipeline list's filter keeps for ``status`` /
    ``reached`` and the filter's period (:func:`match_filter`, in Python). Suggestions
    never moved are not among the rows: figures that count them come from :class:`Counted`."""
    statuses = {value for value in status.split(",") if value}
    if S.SUGGESTED in statuses or reached == S.SUGGESTED:
        raise ValueError("suggestions are counted, not picked")
    stage = period_stage(status=status, reached=reached)
    start = day_start(filters.date_from)
    end = day_start(filters.date_to + dt.timedelta(days=1))
    kept = []
    for row in rows:
        if statuses and row["status"] not in statuses:
            continue
        if reached and reached_at(row, reached) is None:
            continue
        at = reached_at(row, stage)
        if at is not None and start <= at < end:
            kept.append(row)
    return kept


def count_or_sum(key: str, rows: Iterable[dict[str, Any]]) -> float | int:
    rows = list(rows)
    if key == "contract_value":
        return money(sum((r["case__contract_amount"] or Decimal(0)) for r in rows))
    return len(rows)


def pair_outcomes(matches: QuerySet[Match]) -> dict[str, Any]:
    """Intentions, signed pairs with their contract value (万元) and landed pairs among
    ``matches`` (now at those stages, whatever the date), for any set of pairs (the
    programmes' own figures use it)."""
    signed = matches.filter(status__in=SIGNED_OR_LATER)
    return {
        "intentions": matches.filter(status__in=INTENTION_OR_LATER).count(),
        "signed": signed.count(),
        "contract_value": money(signed.aggregate(v=Sum("case__contract_amount"))["v"]),
        "landed": matches.filter(status=S.LANDED).count(),
    }


def pair_stage_counts(matches: QuerySet[Match]) -> list[dict[str, Any]]:
    """Pairs of ``matches`` per current stage, every stage listed (0 included)."""
    counts = dict(
        matches.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [
        {"stage": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in S.choices
    ]


@dataclass
class Counted:
    """What the figures add up, for one user and filter: each register's posting groups
    (under the filter's field key and the by-field breakdown's keys), the number of pairs
    and of suggestions among them, and the pairs that moved past the suggestion (rows of
    :func:`moved_pairs`). ``facts_at``: when the facts read were aggregated (None: counted
    now, from the registers)."""

    filter_key: str
    field_group: str
    field_names: dict[str, str]
    postings: dict[str, list[facts.Group]]
    matches: int
    suggested: int
    moved: list[dict[str, Any]]
    facts_at: dt.datetime | None

    def posting_total(self, kind: str) -> int:
        return sum(g.n for g in self.postings[kind] if g.key == self.filter_key)


def region_q(prefix: str) -> Q:
    """Stored pair facts with either side in the region prefix."""
    return Q(region_code__startswith=prefix) | Q(other_region_code__startswith=prefix)


def counted(*, user: User | None, filters: StatsFilter) -> Counted:
    """Everything the figures need, from the facts when they are fresh, else counted."""
    staff = is_staff_view(user)
    filter_key = filters.field or facts.ALL
    group, names = field_rows(filters.field)
    keys = {filter_key, *names}
    facts_at = facts.facts_fresh()
    jurisdiction = scoping.jurisdiction_of(user) or ""
    postings: dict[str, list[facts.Group]] = {}
    for kind in KINDS:
        if facts_at is None:
            scope = postings_counted(kind=kind, user=user, filters=filters)
            postings[kind] = facts.posting_groups(scope, keys=keys)
            continue
        where = scoping.region_q(user) or Q()
        if filters.region:
            where &= Q(region_code__startswith=filters.region_prefix)
        postings[kind] = facts.stored_groups(
            kind,
            keys=keys,
            date_from=filters.date_from,
            date_to=filters.date_to,
            where=where,
            published_only=not staff,
        )
    matches = suggested = 0
    if staff and facts_at is None:
        matches, suggested = facts.pair_counts(pairs(user=user, filters=filters))
    elif staff:
        where = region_q(jurisdiction)
        if filters.region:
            where &= region_q(filters.region_prefix)
        stored = facts.stored_groups(
            facts.PAIR,
            keys={filter_key},
            date_from=filters.date_from,
            date_to=filters.date_to,
            where=where,
        )
        matches = sum(g.n for g in stored)
        suggested = sum(g.n for g in stored if g.flag)
    return Counted(
        filter_key=filter_key,
        field_group=group,
        field_names=names,
        postings=postings,
        matches=matches,
        suggested=suggested,
        moved=moved_pairs(user=user, filters=filters),
        facts_at=facts_at,
    )


def field_rows(field: str) -> tuple[str, dict[str, str]]:
    """Which fields the breakdown lists: top-level ones, or those of one top-level field;
    returns how to group ("top" or "code") and the names."""
    if not field:
        tops = TechField.objects.filter(parent__isnull=True)
        return "top", dict(tops.values_list("code", "name"))
    children = TechField.objects.filter(parent__code=field)
    if children.exists():
        return "code", dict(children.values_list("code", "name"))
    return "top", dict(TechField.objects.filter(code=field).values_list("code", "name"))
