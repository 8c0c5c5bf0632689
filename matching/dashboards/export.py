"""The dashboard's tables (one definition for the page and the .xlsx export)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portal import spreadsheets

MONTH = "yyyy-mm"
DAY = "yyyy-mm-dd"


@dataclass(frozen=True)
class Table:
    """A titled table. ``links`` (optional) holds, parallel to ``rows``, the URL of the list
    behind each cell (None: not a link); ``formats`` the Excel number format of each column
    (None: the default), e.g. :data:`MONTH` for a column of first-of-month dates."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    links: list[list[str | None]] = field(default_factory=list)
    formats: list[str | None] = field(default_factory=list)

    def display_rows(self) -> list[list[tuple[str, str | None]]]:
        """Each cell as (text, link) for the page: dates as the export shows them."""
        shown = []
        for index, row in enumerate(self.rows):
            links = self.links[index] if index < len(self.links) else []
            cells = []
            for column, value in enumerate(row):
                link = links[column] if column < len(links) else None
                cells.append((self._text(column, value), link))
            shown.append(cells)
        return shown

    def _text(self, column: int, value: Any) -> str:
        fmt = self.formats[column] if column < len(self.formats) else None
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m" if fmt == MONTH else "%Y-%m-%d")
        if isinstance(value, float):
            return f"{value:.2f}"
        return "" if value is None else str(value)


def _links(rows: list[dict[str, Any]], keys: list[str | None]) -> list[list[str | None]]:
    return [[row.get("links", {}).get(k) if k else None for k in keys] for row in rows]


def stats_tables(figures: dict[str, Any]) -> list[Table]:
    """The figures of :func:`~matching.dashboards.stats.stats_for` as titled tables, each
    cell linked to the list behind it (staff)."""
    totals = figures["totals"]
    staff = not figures["scope"]["public"]
    labels = {
        "needs": _("技术需求"),
        "results": _("科技成果"),
        "experts": _("科技专家"),
        "matches": _("匹配总数"),
        "suggested": _("待审核推荐"),
        "approved": _("批准对接"),
        "intentions": _("达成意向"),
        "signed": _("签约项目"),
        "contract_value": _("合同金额(万元)"),
        "landed": _("落地项目"),
    }
    keys = [k for k in labels if k in totals]
    total_links = totals.get("links", {})
    tables = [
        Table(
            "totals",
            _("总体情况"),
            [_("指标"), _("数量")],
            [[labels[k], totals[k]] for k in keys],
            [[None, total_links.get(k)] for k in keys],
        )
    ]
    if "funnel" in figures:
        tables.append(
            Table(
                "funnel",
                _("转化漏斗"),
                [_("阶段"), _("期内到达数量")],
                [[r["label"], r["count"]] for r in figures["funnel"]],
                [[None, r["link"]] for r in figures["funnel"]],
            )
        )
    if "by_stage" in figures:
        tables.append(
            Table(
                "by_stage",
                _("各阶段对接数"),
                [_("阶段"), _("数量")],
                [[r["label"], r["count"]] for r in figures["by_stage"]],
                [[None, r["link"]] for r in figures["by_stage"]],
            )
        )
    posting_keys = ["needs", "results", "experts"]
    pair_keys = ["approved", "signed", "contract_value"] if staff else ["signed", "contract_value"]
    columns = posting_keys + pair_keys
    for key, title, first in (
        ("by_region", _("按地区"), _("地区")),
        ("by_field", _("按技术领域"), _("技术领域")),
    ):
        rows = figures[key]
        tables.append(
            Table(
                key,
                title,
                [first, *(labels[c] for c in columns)],
                [[r["name"], *(r[c] for c in columns)] for r in rows],
                _links(rows, [None, *columns]),
            )
        )
    month_keys = posting_keys + (
        ["approved", "intentions", "signed", "contract_value"]
        if staff
        else ["intentions", "signed", "contract_value"]
    )
    months = figures["by_month"]
    tables.append(
        Table(
            "by_month",
            _("按月份"),
            [_("月份"), *(labels[c] for c in month_keys)],
            [[r["month"], *(r[c] for c in month_keys)] for r in months],
            _links(months, [None, *month_keys]),
            [MONTH],
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
                formats=[None, None, None, None, DAY, None],
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
        for column, fmt in enumerate(table.formats, start=1):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                if fmt:
                    cell.number_format = fmt
        # dates without a format of their own read as days, not as serial numbers
        for sheet_row in sheet.iter_rows(min_row=2):
            for cell in sheet_row:
                if isinstance(cell.value, dt.date) and cell.number_format == "General":
                    cell.number_format = DAY
        for column, header in zip(sheet.columns, table.headers, strict=False):
            sheet.column_dimensions[column[0].column_letter].width = max(12, len(header) * 2 + 4)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
