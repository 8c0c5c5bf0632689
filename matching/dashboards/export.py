"""The dashboard's tables (one definition for the page and the .xlsx export)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portal import spreadsheets


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


def stats_tables(figures: dict[str, Any]) -> list[Table]:
    """The figures of :func:`~matching.dashboards.stats.stats_for` as titled tables."""
    totals = figures["totals"]
    total_rows: list[list[Any]] = [
        [_("技术需求"), totals["needs"]],
        [_("科技成果"), totals["results"]],
        [_("科技专家"), totals["experts"]],
    ]
    if "matches" in totals:
        total_rows += [[_("匹配总数"), totals["matches"]], [_("待审核推荐"), totals["suggested"]]]
    total_rows += [
        [_("达成意向"), totals["intentions"]],
        [_("签约项目"), totals["signed"]],
        [_("合同金额(万元)"), totals["contract_value"]],
        [_("落地项目"), totals["landed"]],
    ]
    tables = [Table("totals", _("总体情况"), [_("指标"), _("数量")], total_rows)]
    if "by_stage" in figures:
        tables.append(
            Table(
                "by_stage",
                _("各阶段对接数"),
                [_("阶段"), _("数量")],
                [[r["label"], r["count"]] for r in figures["by_stage"]],
            )
        )
    if "funnel" in figures:
        tables.append(
            Table(
                "funnel",
                _("转化漏斗"),
                [_("阶段"), _("到达数量")],
                [[r["label"], r["count"]] for r in figures["funnel"]],
            )
        )
    posting_headers = [_("技术需求"), _("科技成果"), _("科技专家"), _("签约项目")]
    tables.append(
        Table(
            "by_field",
            _("按技术领域"),
            [_("技术领域"), *posting_headers],
            [
                [r["name"], r["needs"], r["results"], r["experts"], r["signed"]]
                for r in figures["by_field"]
            ],
        )
    )
    tables.append(
        Table(
            "by_region",
            _("按地区"),
            [_("地区"), *posting_headers],
            [
                [r["name"], r["needs"], r["results"], r["experts"], r["signed"]]
                for r in figures["by_region"]
            ],
        )
    )
    tables.append(
        Table(
            "by_month",
            _("按月份"),
            [_("月份"), *posting_headers, _("合同金额(万元)")],
            [
                [
                    r["month"],
                    r["needs"],
                    r["results"],
                    r["experts"],
                    r["signed"],
                    r["contract_value"],
                ]
                for r in figures["by_month"]
            ],
        )
    )
    if "oldest_waiting" in figures:
        tables.append(
            Table(
                "oldest_waiting",
                _("等待最久的事项"),
                [_("类型"), _("编号"), _("名称"), _("等待"), _("起始日期"), _("等待天数")],
                [
                    [r["kind"], r["id"], r["title"], r["waiting_for"], r["since"], r["days"]]
                    for r in figures["oldest_waiting"]
                ],
            )
        )
    return tables


def tables_to_xlsx(tables: list[Table]) -> bytes:
    """One worksheet per table, bold header row."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:31])
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([spreadsheets.cell(v) for v in row])
        for column, header in zip(sheet.columns, table.headers, strict=False):
            sheet.column_dimensions[column[0].column_letter].width = max(12, len(header) * 2 + 4)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
