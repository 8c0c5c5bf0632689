"""Statistics over the registers and the match pipeline, scoped to who asks and filtered by
one :class:`~matching.dashboards.filters.StatsFilter` (period, field, region).

One function, :func:`stats_for`, computes every figure the staff dashboard, the public
statistics page, ``/api/stats/`` and the .xlsx exports show, so they cannot disagree.
Staff get their jurisdiction (narrowed by the filter's region); everyone else gets the
public figures: published postings and aggregate outcomes, no per-pair detail.

Definitions (kept in one place, tested against the lists they link to):
- needs / results / experts: postings in the region and field published in the period
  (their ``published_at``); staff count them whatever their status now, the public only
  those still published. The same as the register lists with ``published_from``/``to``.
- pairs: counted through :func:`matching.pairs.selectors.match_filter`, the pipeline
  list's own filter. A pair is in a region when either side is; in a field by its need's
  field. The period applies to the date the pair reached the stage counted:
  approved (pairs that reached 已审核 or beyond), intentions (pairs now at intention,
  signed or landed, by the date they reached intention), signed (now signed or landed, by
  the date they reached signing, with the sum of their contract amounts in 万元), landed.
- funnel: pairs that reached each pipeline stage in the period. by_stage: pairs now at each
  stage that reached it in the period.
- by region: the regions one level below the filter's region (province → cities →
  districts); a pair with sides in two of them counts in both. by field: top-level fields,
  or the fields of the one top-level field filtered on; a posting in two fields counts in
  both. by month: every month of the period, each figure by the month of its date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from matching.dashboards import facts
from matching.dashboards.filters import StatsFilter, jurisdiction_region, region_name
from matching.models import Match, MatchStatus, MatchTransition
from matching.pairs import scoping
from matching.pairs.selectors import match_filter, period_stage, reached_at_expression
from matching.pairs.services import PIPELINE
from portal.filters import NeedFilter
from portal.models import Expert, Need, PostingStatus, Result, TechField
from portal.reference.regions import region_choices, region_full_name, region_prefix, region_table

if TYPE_CHECKING:
    from accounts.models import User

S = MatchStatus
KINDS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    "need": Need,
    "result": Result,
    "expert": Expert,
}
POSTING_KEYS = ("needs", "results", "experts")
# The pair figures: the pipeline list's filter arguments behind each.
PAIR_FIGURES: dict[str, dict[str, str]] = {
    "matches": {"reached": S.SUGGESTED},
    "suggested": {"status": S.SUGGESTED},
    "approved": {"reached": S.APPROVED},
    "intentions": {"status": f"{S.INTENTION},{S.SIGNED},{S.LANDED}"},
    "signed": {"status": f"{S.SIGNED},{S.LANDED}"},
    "contract_value": {"status": f"{S.SIGNED},{S.LANDED}"},
    "landed": {"status": S.LANDED},
}
PUBLIC_PAIR_FIGURES = ("intentions", "signed", "contract_value", "landed")
INTENTION_OR_LATER = (S.INTENTION, S.SIGNED, S.LANDED)
SIGNED_OR_LATER = (S.SIGNED, S.LANDED)
# Key of the breakdown row of what is filed under the region itself, not one below it.
OWN = "="


def is_staff_view(user: User | None) -> bool:
    return scoping.jurisdiction_of(user) is not None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _money(value: Decimal | float | None) -> float:
    return round(float(value or 0), 2)


# ----------------------------------------------------------------------------- postings


def postings_counted(*, kind: str, user: User | None, filters: StatsFilter) -> QuerySet[Any]:
    """The postings the figures count for this user and filter (module docstring), but for
    the field: :func:`matching.dashboards.facts.posting_groups` counts by field key."""
    model = KINDS[kind]
    if is_staff_view(user):
        qs = scoping.scope_by_region(model.objects.all(), user)
    else:
        qs = model.objects.filter(status=PostingStatus.PUBLISHED)
    qs = qs.filter(
        published_at__gte=_day_start(filters.date_from),
        published_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)),
    )
    if filters.region:
        qs = qs.filter(region_code__startswith=filters.region_prefix)
    return qs


# -------------------------------------------------------------------------------- pairs


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


def _reached_at(row: dict[str, Any], stage: str) -> dt.datetime | None:
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
    start = _day_start(filters.date_from)
    end = _day_start(filters.date_to + dt.timedelta(days=1))
    kept = []
    for row in rows:
        if statuses and row["status"] not in statuses:
            continue
        if reached and _reached_at(row, reached) is None:
            continue
        at = _reached_at(row, stage)
        if at is not None and start <= at < end:
            kept.append(row)
    return kept


def _count_or_sum(key: str, rows: Iterable[dict[str, Any]]) -> float | int:
    rows = list(rows)
    if key == "contract_value":
        return _money(sum((r["case__contract_amount"] or Decimal(0)) for r in rows))
    return len(rows)


def pair_outcomes(matches: QuerySet[Match]) -> dict[str, Any]:
    """Intentions, signed pairs with their contract value (万元) and landed pairs among
    ``matches`` (now at those stages, whatever the date), for any set of pairs (the
    programmes' own figures use it)."""
    signed = matches.filter(status__in=SIGNED_OR_LATER)
    return {
        "intentions": matches.filter(status__in=INTENTION_OR_LATER).count(),
        "signed": signed.count(),
        "contract_value": _money(signed.aggregate(v=Sum("case__contract_amount"))["v"]),
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


# ------------------------------------------------------------------------------- links


def _register_list_regions() -> set[str]:
    """The region codes the register lists' ``region`` filter accepts."""
    choices: Any = NeedFilter.base_filters["region"].extra.get("choices", region_choices)
    return {code for code, _name in (choices() if callable(choices) else choices)}


class Links:
    """Drill-down URLs: each figure's list, with the dashboard's filter (staff only)."""

    def __init__(self, *, enabled: bool, filters: StatsFilter, jurisdiction: str | None):
        self.enabled = enabled
        self.filters = filters
        # the register lists show staff published postings from everywhere: name the region
        self.posting_region = filters.region or jurisdiction_region(jurisdiction)
        self.posting_regions = _register_list_regions()

    def pairs(self, key: str, **override: Any) -> str | None:
        if not self.enabled:
            return None
        filters: StatsFilter = override.pop("filters", self.filters)
        criteria = PAIR_FIGURES.get(key, {}) if key else {}
        return reverse("matching:match-list") + "?" + filters.query(**criteria, **override)

    def postings(self, key: str, *, filters: StatsFilter | None = None) -> str | None:
        """The register list of ``key`` (needs/results/experts); None where the register
        list has no such region filter (it offers provinces and cities, not districts)."""
        if not self.enabled:
            return None
        filters = filters or self.filters
        region = filters.region or self.posting_region
        if region and region not in self.posting_regions:
            return None
        params = {
            "published_from": filters.date_from.isoformat(),
            "published_to": filters.date_to.isoformat(),
            "field": filters.field,
            "region": region,
        }
        kind = key[:-1]
        query = urlencode({k: v for k, v in params.items() if v})
        return reverse(f"registers:{kind}-list") + "?" + query


# ------------------------------------------------------------------------------ figures


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


def _region_q(prefix: str) -> Q:
    """Stored pair facts with either side in the region prefix."""
    return Q(region_code__startswith=prefix) | Q(other_region_code__startswith=prefix)


def counted(*, user: User | None, filters: StatsFilter) -> Counted:
    """Everything the figures need, from the facts when they are fresh, else counted."""
    staff = is_staff_view(user)
    filter_key = filters.field or facts.ALL
    group, names = _field_rows(filters.field)
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
        where = _region_q(jurisdiction)
        if filters.region:
            where &= _region_q(filters.region_prefix)
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


def stats_totals(
    *, counts: Counted, user: User | None, filters: StatsFilter, links: Links
) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    urls: dict[str, str | None] = {}
    for kind in KINDS:
        key = kind + "s"
        totals[key] = counts.posting_total(kind)
        urls[key] = links.postings(key)
    keys = PAIR_FIGURES if is_staff_view(user) else PUBLIC_PAIR_FIGURES
    for key in keys:
        if key == "matches":
            totals[key] = counts.matches
        elif key == "suggested":
            totals[key] = counts.suggested
        else:
            rows = picked(counts.moved, filters, **PAIR_FIGURES[key])
            totals[key] = _count_or_sum(key, rows)
        urls[key] = links.pairs(key)
    totals["links"] = urls
    return totals


def stats_by_stage(*, counts: Counted, filters: StatsFilter, links: Links) -> list[dict[str, Any]]:
    rows = []
    for value, label in S.choices:
        if value == S.SUGGESTED:
            count = counts.suggested
        else:
            count = len(picked(counts.moved, filters, status=value))
        rows.append(
            {
                "stage": value,
                "label": str(label),
                "count": count,
                "link": links.pairs("", status=value),
            }
        )
    return rows


def stats_funnel(*, counts: Counted, filters: StatsFilter, links: Links) -> list[dict[str, Any]]:
    rows = []
    for stage in PIPELINE:
        if stage == S.SUGGESTED:
            count = counts.matches
        else:
            count = len(picked(counts.moved, filters, reached=stage))
        rows.append(
            {
                "stage": stage,
                "label": str(S(stage).label),
                "count": count,
                "link": links.pairs("", reached=stage),
            }
        )
    return rows


def _child_regions(parent: str) -> list[str]:
    """The regions one level below ``parent`` ("" → the provinces)."""
    return sorted(row.code for row in region_table().values() if row.parent == parent)


def stats_by_region(
    *, counts: Counted, user: User | None, filters: StatsFilter, links: Links, parent: str
) -> list[dict[str, Any]]:
    """Per region one level below ``parent`` (a district: itself): postings, approved
    pairs, signed pairs and their value. Rows with nothing to show are left out. Postings
    and pairs filed under ``parent`` itself (a city-level address, no district) get a last
    row of their own, without links: the lists filter by a region and everything under it."""
    children = {region_prefix(code): code for code in _child_regions(parent)}
    leaf = not children
    if leaf:
        if not parent:
            return []
        # a district has nothing below it: it is its own one row
        children = {region_prefix(parent): parent}
    # a level mixes prefix lengths where a county-level city sits under a province (419001)
    lengths = sorted({len(prefix) for prefix in children})
    empty = dict.fromkeys((*POSTING_KEYS, "approved", "signed"), 0)
    table: dict[str, dict[str, Any]] = defaultdict(lambda: {**empty, "contract_value": 0.0})
    for kind in KINDS:
        for group in counts.postings[kind]:
            if group.key != counts.filter_key:
                continue
            if parent and not leaf and group.region == parent:
                table[OWN + parent][kind + "s"] += group.n
            for length in lengths:
                child = children.get(group.region[:length])
                if child:
                    table[child][kind + "s"] += group.n
    pair_keys = ("approved", "signed") if is_staff_view(user) else ("signed",)
    for key in pair_keys:
        buckets: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in picked(counts.moved, filters, **PAIR_FIGURES[key]):
            sides: set[str] = set()
            for side in ("need", "result", "expert"):
                code = row[f"{side}__region_code"]
                if parent and not leaf and code == parent:
                    sides.add(OWN + parent)
                for length in lengths:
                    child = children.get(code[:length]) if code else None
                    if child:
                        sides.add(child)
            for child in sides:
                buckets[child].append(row)
        for code, rows in buckets.items():
            table[code][key] = len(rows)
            if key == "signed":
                table[code]["contract_value"] = _count_or_sum("contract_value", rows)
    result = []
    own_key = OWN + parent
    own_row = table.pop(own_key, None)
    for code in sorted(table):
        row = table[code]
        narrowed = StatsFilter(filters.date_from, filters.date_to, filters.field, code)
        row["code"] = code
        row["name"] = region_full_name(code) or code
        row["filter_query"] = narrowed.query()
        row["links"] = {
            **{key: links.postings(key, filters=narrowed) for key in POSTING_KEYS},
            **{key: links.pairs(key, filters=narrowed) for key in (*pair_keys, "contract_value")},
        }
        result.append(row)
    if own_row is not None and any(own_row.values()):
        own_row["code"] = own_key
        own_row["name"] = _("%(name)s（未细分到下级地区）") % {
            "name": region_full_name(parent) or parent
        }
        own_row["filter_query"] = ""
        own_row["links"] = {}
        result.append(own_row)
    return result


def _field_rows(field: str) -> tuple[str, dict[str, str]]:
    """Which fields the breakdown lists: top-level ones, or those of one top-level field;
    returns how to group ("top" or "code") and the names."""
    if not field:
        tops = TechField.objects.filter(parent__isnull=True)
        return "top", dict(tops.values_list("code", "name"))
    children = TechField.objects.filter(parent__code=field)
    if children.exists():
        return "code", dict(children.values_list("code", "name"))
    return "top", dict(TechField.objects.filter(code=field).values_list("code", "name"))


def stats_by_field(
    *, counts: Counted, user: User | None, filters: StatsFilter, links: Links
) -> list[dict[str, Any]]:
    """Per field (see :func:`_field_rows`): postings of each kind, approved and signed pairs
    (by the need's field) and the contract value."""
    group, names = counts.field_group, counts.field_names
    empty = dict.fromkeys((*POSTING_KEYS, "approved", "signed"), 0)
    table: dict[str, dict[str, Any]] = defaultdict(lambda: {**empty, "contract_value": 0.0})

    def key_of(code: str | None, parent: str | None) -> str | None:
        if group == "code":
            return code if code in names else None
        if filters.field:  # a single sub-field, or a top field without sub-fields
            return filters.field
        return parent or code

    for kind in KINDS:
        # a field key counts each posting in the field once (facts.py)
        for posting_group in counts.postings[kind]:
            if posting_group.key in names:
                table[posting_group.key][kind + "s"] += posting_group.n
    # the fields of every moved pair's need, one query for both figures
    need_fields = Need.fields.through.objects.filter(
        need_id__in={row["need_id"] for row in counts.moved}
    ).values_list("need_id", "techfield__code", "techfield__parent__code")
    fields_of_need: dict[int, set[str]] = defaultdict(set)
    for need_id, code, parent in need_fields:
        key = key_of(code, parent)
        if key is not None:
            fields_of_need[need_id].add(key)
    pair_keys = ("approved", "signed") if is_staff_view(user) else ("signed",)
    for figure in pair_keys:
        rows = picked(counts.moved, filters, **PAIR_FIGURES[figure])
        pairs_of_field: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            for key in fields_of_need.get(row["need_id"], ()):
                pairs_of_field[key].append(row)
        for key, members in pairs_of_field.items():
            table[key][figure] = len(members)
            if figure == "signed":
                table[key]["contract_value"] = _count_or_sum("contract_value", members)
    result = []
    for code in sorted(table):
        row = table[code]
        narrowed = StatsFilter(filters.date_from, filters.date_to, code, filters.region)
        row["code"] = code
        row["name"] = names.get(code, code)
        row["filter_query"] = narrowed.query()
        row["links"] = {
            **{key: links.postings(key, filters=narrowed) for key in POSTING_KEYS},
            **{key: links.pairs(key, filters=narrowed) for key in (*pair_keys, "contract_value")},
        }
        result.append(row)
    return result


def _local_month(value: dt.datetime | dt.date | None) -> dt.date | None:
    return None if value is None else facts.local_date(value).replace(day=1)


def _month_period(month: dt.date, filters: StatsFilter) -> StatsFilter:
    """The month, clipped to the filter's period."""
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return filters.with_period(
        max(month, filters.date_from), min(next_month - dt.timedelta(days=1), filters.date_to)
    )


def stats_by_month(
    *, counts: Counted, user: User | None, filters: StatsFilter, links: Links
) -> list[dict[str, Any]]:
    """Every month of the period: postings published, pairs approved, intentions, signed
    pairs and their value, each in the month of its date."""
    months = filters.months()
    staff = is_staff_view(user)
    pair_keys = ("approved", "intentions", "signed") if staff else ("intentions", "signed")
    table: dict[dt.date, dict[str, Any]] = {
        month: {
            "month": month,
            **dict.fromkeys((*POSTING_KEYS, *pair_keys), 0),
            "contract_value": 0.0,
        }
        for month in months
    }
    for kind in KINDS:
        for group in counts.postings[kind]:
            if group.key == counts.filter_key and group.at.replace(day=1) in table:
                table[group.at.replace(day=1)][kind + "s"] += group.n
    for key in pair_keys:
        stage = period_stage(**PAIR_FIGURES[key])
        for row in picked(counts.moved, filters, **PAIR_FIGURES[key]):
            month = _local_month(_reached_at(row, stage))
            if month in table:
                table[month][key] += 1
                if key == "signed":
                    table[month]["contract_value"] = _money(
                        Decimal(str(table[month]["contract_value"]))
                        + (row["case__contract_amount"] or Decimal(0))
                    )
    rows = []
    for month in months:
        row = table[month]
        narrowed = _month_period(month, filters)
        row["filter_query"] = narrowed.query()
        row["links"] = {
            **{key: links.postings(key, filters=narrowed) for key in POSTING_KEYS},
            **{key: links.pairs(key, filters=narrowed) for key in (*pair_keys, "contract_value")},
        }
        rows.append(row)
    return rows


def stats_oldest_waiting(
    *, user: User, filters: StatsFilter, limit: int = 10
) -> list[dict[str, Any]]:
    """What has waited longest for staff, in the filter's region and field (whatever the
    period: these wait now): postings in review, suggestions, unanswered pairs."""
    now = timezone.now()
    items: list[dict[str, Any]] = []
    labels = {"need": _("技术需求"), "result": _("科技成果"), "expert": _("科技专家")}
    for kind, model in KINDS.items():
        qs = scoping.scope_by_region(model.objects.filter(status=PostingStatus.SUBMITTED), user)
        if filters.region:
            qs = qs.filter(region_code__startswith=filters.region_prefix)
        if filters.field:
            qs = qs.filter(
                Q(fields__code=filters.field) | Q(fields__parent__code=filters.field)
            ).distinct()
        for posting in qs.order_by("submitted_at", "pk")[:limit]:
            since = posting.submitted_at or posting.created_at
            items.append(
                {
                    "kind": str(labels[kind]),
                    "id": posting.pk,
                    "title": str(posting),
                    "waiting_for": str(_("待审核")),
                    "since": since,
                }
            )
    matches = match_filter(
        scoping.scope_matches(Match.objects.select_related("need"), user),
        region=filters.region,
        field=filters.field,
    )
    for match in matches.filter(status=S.SUGGESTED).order_by("created_at", "id")[:limit]:
        items.append(
            {
                "kind": str(_("系统推荐")),
                "id": match.pk,
                "title": match.need.title,
                "waiting_for": str(_("待批准")),
                "since": match.created_at,
            }
        )
    for match in matches.filter(status=S.APPROVED).order_by("decided_at", "id")[:limit]:
        items.append(
            {
                "kind": str(_("对接")),
                "id": match.pk,
                "title": match.need.title,
                "waiting_for": str(_("待双方答复")),
                "since": match.decided_at or match.created_at,
            }
        )
    items.sort(key=lambda item: item["since"])
    for item in items:
        item["days"] = (now - item["since"]).days
        item["since"] = timezone.localtime(item["since"]).date()
    return items[:limit]


def stats_for(*, user: User | None, filters: StatsFilter | None = None) -> dict[str, Any]:
    """Every figure for this user's view (staff: their jurisdiction; or public), filtered
    by ``filters`` (default: the last twelve months, every field, the whole scope)."""
    filters = filters or StatsFilter.default()
    staff = is_staff_view(user)
    prefix = scoping.jurisdiction_of(user) if staff else None
    links = Links(enabled=staff, filters=filters, jurisdiction=prefix)
    parent = filters.region or jurisdiction_region(prefix)
    counts = counted(user=user, filters=filters)
    figures: dict[str, Any] = {
        "scope": {
            "public": not staff,
            "jurisdiction": prefix,
            "name": region_name(filters.region, prefix),
        },
        "filter": {
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
            "field": filters.field,
            "region": filters.region,
        },
        "totals": stats_totals(counts=counts, user=user, filters=filters, links=links),
        "by_field": stats_by_field(counts=counts, user=user, filters=filters, links=links),
        "by_region": stats_by_region(
            counts=counts, user=user, filters=filters, links=links, parent=parent
        ),
        "by_month": stats_by_month(counts=counts, user=user, filters=filters, links=links),
        # when the postings and suggestions counted were aggregated (None: just now)
        "facts_at": counts.facts_at,
    }
    if staff:
        assert user is not None
        figures["by_stage"] = stats_by_stage(counts=counts, filters=filters, links=links)
        figures["funnel"] = stats_funnel(counts=counts, filters=filters, links=links)
        figures["oldest_waiting"] = stats_oldest_waiting(user=user, filters=filters)
    return figures
