"""The dashboard's filters: one period, one technology field, one region.

:class:`StatsFilter` is the one object every figure, chart, table, link and export of a
dashboard is computed from (:func:`matching.dashboards.stats.stats_for`);
:class:`DashboardFilterForm` reads it from the query string and keeps staff inside their
jurisdiction (they may narrow it, never widen it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.filters import field_choice_groups
from portal.reference.regions import region_full_name, region_prefix, region_table

# A longer period would make the monthly trend unreadable and the page slow.
MAX_MONTHS = 60


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_12_months(today: dt.date) -> tuple[dt.date, dt.date]:
    return _add_months(today.replace(day=1), -11), today


def this_year(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def this_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return start, _add_months(start, 3) - dt.timedelta(days=1)


QUICK_PERIODS = (
    ("year", _("今年"), this_year),
    ("12m", _("近12个月"), last_12_months),
    ("quarter", _("本季度"), this_quarter),
)


@dataclass(frozen=True)
class StatsFilter:
    """What the figures count: ``date_from``–``date_to`` (inclusive, local dates), the
    technology field ``field`` (a code, top level or sub-field; "" all) and the region
    ``region`` (a six-digit division code; "" the whole jurisdiction)."""

    date_from: dt.date
    date_to: dt.date
    field: str = ""
    region: str = ""

    @classmethod
    def default(cls) -> StatsFilter:
        start, end = last_12_months(timezone.localdate())
        return cls(start, end)

    @property
    def region_prefix(self) -> str:
        return region_prefix(self.region) if self.region else ""

    def params(self) -> dict[str, str]:
        """The filter as query parameters, empty ones left out."""
        values = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "field": self.field,
            "region": self.region,
        }
        return {key: value for key, value in values.items() if value}

    def query(self, **extra: str) -> str:
        """A query string of the filter and ``extra`` (empty values dropped, "" if none)."""
        params = {**self.params(), **extra}
        return urlencode({key: value for key, value in params.items() if value})

    def with_period(self, start: dt.date, end: dt.date) -> StatsFilter:
        return replace(self, date_from=start, date_to=end)

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches, in order."""
        first = self.date_from.replace(day=1)
        months: list[dt.date] = []
        while first <= self.date_to and len(months) < MAX_MONTHS:
            months.append(first)
            first = _add_months(first, 1)
        return months


def jurisdiction_region(prefix: str | None) -> str:
    """The six-digit code of a jurisdiction prefix ("3701" → "370100"; "" → "")."""
    return (prefix + "000000")[:6] if prefix else ""


def region_options(*, jurisdiction: str, selected: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for the region picker, by level: the jurisdiction itself, then the
    regions one and two levels below it, grouped under their parent. Administrators (the
    whole country) pick a province or city, and a district once its city is picked."""
    table = region_table()
    root = jurisdiction_region(jurisdiction)
    root_level = table[root].level if root in table else 0
    selected_city = selected[:4] + "00" if selected else ""
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in table.values():
        if jurisdiction and not row.code.startswith(jurisdiction):
            continue
        deeper = row.level - root_level
        if deeper < 1:
            continue
        if deeper > 2 and not (row.level == 3 and row.parent == selected_city):
            continue
        parent = row.parent if row.level > root_level + 1 else root
        groups.setdefault(parent, []).append((row.code, row.name))
    options: list[tuple[str, list[tuple[str, str]]]] = []
    for parent, rows in groups.items():
        label = region_full_name(parent) if parent else gettext("全国")
        head = [(parent, gettext("%(name)s（全部）") % {"name": label})] if parent else []
        options.append((label, head + rows))
    return options


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, from the query string. ``jurisdiction``: the user's region
    prefix ("" everywhere, None for the public statistics)."""

    date_from = forms.DateField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    date_to = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    field = forms.ChoiceField(
        label=_("技术领域"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    # Checked in clean_region (a code outside the jurisdiction gets its own message).
    region = forms.CharField(
        label=_("地区"),
        required=False,
        max_length=6,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, data: Any, *, jurisdiction: str | None) -> None:
        # the query string says from/to; the form's own names stay Python-friendly
        data = data.copy() if data is not None else {}
        for short, name in (("from", "date_from"), ("to", "date_to")):
            if short in data and name not in data:
                data[name] = data[short]
        super().__init__(data)
        self.jurisdiction = jurisdiction
        # the registers' grouped picker: top-level field → its fields
        self.fields["field"].choices = field_choice_groups()  # type: ignore[attr-defined]
        if jurisdiction is None:
            del self.fields["region"]
        else:
            selected = str(data.get("region", "")) if data else ""
            self.fields["region"].widget.choices = [  # type: ignore[attr-defined]
                ("", gettext("全部管辖范围") if jurisdiction else gettext("全国")),
                *region_options(jurisdiction=jurisdiction, selected=selected),
            ]

    def clean_region(self) -> str:
        region: str = self.cleaned_data.get("region", "")
        if region and region not in region_table():
            raise forms.ValidationError(gettext("未知的地区。"))
        if region and self.jurisdiction and not region.startswith(self.jurisdiction):
            raise forms.ValidationError(gettext("只能查看您管辖范围内的地区。"))
        return region

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", gettext("截止日期不能早于起始日期。"))
            elif len(StatsFilter(start, end).months()) >= MAX_MONTHS:
                self.add_error("date_to", gettext("时间段最长 %(n)d 个月。") % {"n": MAX_MONTHS})
        return cleaned

    def stats_filter(self) -> StatsFilter:
        """The valid part of the input over the defaults: a bad value falls back to its
        default (the form shows why), so the page always has figures."""
        default = StatsFilter.default()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start = data.get("date_from") if "date_from" not in self.errors else None
        end = data.get("date_to") if "date_to" not in self.errors else None
        if start and not end:
            end = max(start, default.date_to)
        if end and not start:
            start = min(end.replace(day=1), _add_months(end.replace(day=1), -11))
        if start and end and "date_to" in self.errors:
            start, end = None, None
        return StatsFilter(
            date_from=start or default.date_from,
            date_to=end or default.date_to,
            field=data.get("field", "") if "field" not in self.errors else "",
            region=data.get("region", "") if "region" not in self.errors else "",
        )


def quick_periods(current: StatsFilter) -> list[dict[str, Any]]:
    """The quick period choices, each as the filter's query string with that period."""
    today = timezone.localdate()
    choices = []
    for key, label, period in QUICK_PERIODS:
        start, end = period(today)
        choices.append(
            {
                "key": key,
                "label": label,
                "query": current.with_period(start, end).query(),
                "active": (start, end) == (current.date_from, current.date_to),
            }
        )
    return choices


def region_name(region: str, jurisdiction: str | None) -> str:
    if region:
        return region_full_name(region) or region
    if jurisdiction:
        return region_full_name(jurisdiction_region(jurisdiction)) or jurisdiction
    return gettext("全部地区")


def period_label(current: StatsFilter) -> str:
    return f"{current.date_from:%Y-%m-%d} – {current.date_to:%Y-%m-%d}"
