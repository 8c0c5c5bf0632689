"""Dashboards and statistics pages: figures counted from the pairs, each pair once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matching.dashboards import stats
from matching.dashboards.export import Table, stats_tables, tables_to_xlsx
from matching.dashboards.sections import programme_tables
from matching.pairs.views import _staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "by_field": figures["by_field"],
        "by_region": figures["by_region"],
        "by_month": figures["by_month"],
        "funnel": figures.get("funnel", []),
        "by_stage": figures.get("by_stage", []),
        # Series names for the charts (the JS holds no UI text of its own).
        "labels": {
            "needs": _("技术需求"),
            "results": _("科技成果"),
            "experts": _("科技专家"),
            "signed": _("签约项目"),
            "contract_value": _("合同金额(万元)"),
            "count": _("数量"),
        },
    }


def _tables(figures: dict[str, Any], user: Any) -> list[Table]:
    return stats_tables(figures) + programme_tables(user=user)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    figures = stats.stats_for(user=user)
    return render(
        request,
        "matching/dashboard.html",
        {
            "figures": figures,
            "totals": figures["totals"],
            "tables": _tables(figures, user),
            "chart_data": _chart_data(figures),
            "export_base": reverse("matching:dashboard-export", args=["all"]),
        },
    )


@login_required
@require_GET
def dashboard_export(request: HttpRequest, table: str) -> HttpResponse:
    user = _staff(request)
    tables = _tables(stats.stats_for(user=user), user)
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
    figures = stats.stats_for(user=None)
    return render(
        request,
        "matching/statistics.html",
        {
            "figures": figures,
            "totals": figures["totals"],
            "tables": _tables(figures, None),
            "chart_data": _chart_data(figures),
            "json_url": reverse("api:stats"),
        },
    )
