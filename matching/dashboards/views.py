"""Dashboards and statistics pages: figures counted from the pairs, each pair once, all
through one filter (period, field, region) read from the query string."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from matching.dashboards import stats
from matching.dashboards.cache import cached_figures
from matching.dashboards.export import Table, stats_tables, tables_to_xlsx
from matching.dashboards.filters import (
    DashboardFilterForm,
    StatsFilter,
    period_label,
    quick_periods,
)
from matching.dashboards.sections import programme_tables
from matching.pairs import scoping
from matching.pairs.views import _staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHARTS = {"funnel": "funnel", "by_month": "month", "by_region": "region", "by_field": "field"}


def _chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    def plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # the links stay: a click on a bar or a funnel stage opens the list behind it
        return [{k: v for k, v in row.items() if k != "filter_query"} for row in rows]

    return {
        "by_field": plain(figures["by_field"]),
        "by_region": plain(figures["by_region"]),
        "by_month": [
            {**row, "month": row["month"].strftime("%Y-%m")} for row in plain(figures["by_month"])
        ],
        "funnel": plain(figures.get("funnel", [])),
        # Series names for the charts (the JS holds no UI text of its own).
        "labels": {
            "needs": _("技术需求"),
            "results": _("科技成果"),
            "experts": _("科技专家"),
            "approved": _("批准对接"),
            "intentions": _("达成意向"),
            "signed": _("签约项目"),
            "contract_value": _("合同金额(万元)"),
            "count": _("数量"),
        },
    }


def _figures(user: Any, filters: StatsFilter) -> tuple[dict[str, Any], list[Table], Any]:
    """The figures and tables of this user's view and filter, and when they were counted
    (kept for ``STATS_CACHE_SECONDS``: matching.dashboards.cache)."""

    def compute() -> tuple[dict[str, Any], list[Table]]:
        figures = stats.stats_for(user=user, filters=filters)
        return figures, stats_tables(figures)

    # Per user: what a staff member's programme tables show depends on who they are. The
    # programmes' tables do not read the filter: they are kept once per user, not per filter.
    scope = f"user:{user.pk}" if user is not None else "public"
    (figures, tables), computed_at = cached_figures(
        scope=scope, query=filters.query(), compute=compute
    )
    programmes, programmes_at = cached_figures(
        scope=scope, query="programmes", compute=lambda: programme_tables(user=user)
    )
    tables = tables + programmes
    computed_at = min(computed_at, programmes_at)
    # postings and suggestions summed from facts aggregated ahead are as old as the facts
    if figures.get("facts_at") is not None:
        computed_at = min(computed_at, figures["facts_at"])
    return figures, tables, computed_at


def _filters(
    request: HttpRequest, jurisdiction: str | None
) -> tuple[DashboardFilterForm, StatsFilter]:
    form = DashboardFilterForm(request.GET or None, jurisdiction=jurisdiction)
    return form, form.stats_filter()


CARDS = (
    ("needs", "needs", _lazy("技术需求")),
    ("results", "results", _lazy("科技成果")),
    ("experts", "experts", _lazy("科技专家")),
    ("matches", "matches", _lazy("匹配总数")),
    ("suggested", "suggested", _lazy("待审核推荐")),
    ("approved", "approved", _lazy("批准对接")),
    ("intentions", "intentions", _lazy("达成意向")),
    ("signed", "signed", _lazy("签约项目")),
    ("contract_value", "contract-value", _lazy("合同金额(万元)")),
    ("landed", "landed", _lazy("落地项目")),
)


def _cards(totals: dict[str, Any]) -> list[dict[str, Any]]:
    links = totals.get("links", {})
    cards = []
    for key, dom_id, label in CARDS:
        if key not in totals:
            continue
        value = totals[key]
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        cards.append({"id": dom_id, "label": label, "text": text, "link": links.get(key)})
    return cards


def without_empty_params(request: HttpRequest) -> HttpResponse | None:
    """A redirect to the same page without its empty parameters (short links that survive
    being pasted), or None when there are none."""
    if not any(value == "" for value in request.GET.values()):
        return None
    kept = [(k, v) for k, values in request.GET.lists() for v in values if v != ""]
    return redirect(request.path + ("?" + urlencode(kept) if kept else ""))


def _page(
    request: HttpRequest,
    template: str,
    user: Any,
    extra: dict[str, Any],
    charts: tuple[str, ...] = tuple(CHARTS),
) -> HttpResponse:
    cleaned = without_empty_params(request)
    if cleaned is not None:
        return cleaned
    jurisdiction = scoping.jurisdiction_of(user)
    form, filters = _filters(request, jurisdiction)
    figures, tables, computed_at = _figures(user, filters)
    query = filters.query()
    return render(
        request,
        template,
        {
            "figures": figures,
            "totals": figures["totals"],
            "links": figures["totals"].get("links", {}),
            "tables": tables,
            "cards": _cards(figures["totals"]),
            "chart_tables": {t.key: t for t in tables if t.key in charts},
            "other_tables": [t for t in tables if t.key not in charts],
            "chart_data": _chart_data(figures),
            "filter_form": form,
            "stats_filter": filters,
            "period_label": period_label(filters),
            "quick_periods": quick_periods(filters),
            "query": query,
            "computed_at": computed_at,
            **extra,
        },
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    return _page(
        request,
        "matching/dashboard.html",
        user,
        {"export_base": reverse("matching:dashboard-export", args=["all"])},
    )


@login_required
@require_GET
def dashboard_export(request: HttpRequest, table: str) -> HttpResponse:
    user = _staff(request)
    _form, filters = _filters(request, scoping.jurisdiction_of(user))
    tables = _figures(user, filters)[1]
    if table != "all":
        tables = [t for t in tables if t.key == table]
        if not tables:
            raise Http404
    response = HttpResponse(tables_to_xlsx(tables), content_type=XLSX)
    name = f"duijie-stats-{table}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def public_statistics(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "matching/statistics.html",
        None,
        {"json_url": reverse("api:stats")},
        charts=("by_month", "by_field"),
    )
