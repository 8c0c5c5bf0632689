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
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from matching.dashboards import facts
from matching.dashboards.counting import (
    KINDS,
    OWN,
    Counted,
    S,
    count_or_sum,
    counted,
    is_staff_view,
    money,
    picked,
    reached_at,
)
from matching.dashboards.filters import StatsFilter, jurisdiction_region, region_name
from matching.models import Match
from matching.pairs import scoping
from matching.pairs.selectors import match_filter, period_stage
from matching.pairs.services import PIPELINE
from portal.filters import NeedFilter
from portal.models import Need, PostingStatus
from portal.reference.regions import region_choices, region_full_name, region_prefix, region_table

if TYPE_CHECKING:
    from accounts.models import User

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
            totals[key] = count_or_sum(key, rows)
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
                table[code]["contract_value"] = count_or_sum("contract_value", rows)
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


def stats_by_field(
    *, counts: Counted, user: User | None, filters: StatsFilter, links: Links
) -> list[dict[str, Any]]:
    """Per field (see :func:`matching.dashboards.counting.field_rows`): postings of each
    kind, approved and signed pairs (by the need's field) and the contract value."""
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
                table[key]["contract_value"] = count_or_sum("contract_value", members)
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
            month = _local_month(reached_at(row, stage))
            if month in table:
                table[month][key] += 1
                if key == "signed":
                    table[month]["contract_value"] = money(
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
