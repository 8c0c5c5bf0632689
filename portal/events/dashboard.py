"""The events' tables on the dashboard and in its Excel export (registered in
``EventsConfig.ready`` with :mod:`matching.dashboards.sections`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from matching.dashboards.export import Table
from portal.events import selectors
from portal.events.models import Event


def _events_for(user: Any) -> list[Event]:
    managed = selectors.event_list_managed_by(user=user)
    if managed.exists() or getattr(user, "jurisdiction", None) is not None:
        qs = managed
    else:
        qs = selectors.event_list_visible_to(user=None)
    return list(qs.exclude(status=Event.Status.CANCELLED).exclude(status=Event.Status.DRAFT))


def event_tables(user: Any) -> list[Table]:
    """对接会 per event, and registrants per venue."""
    rows: list[list[Any]] = []
    venue_rows: list[list[Any]] = []
    for event in _events_for(user):
        figures = selectors.event_stats(event=event)
        rows.append(
            [
                event.title,
                event.start_date,
                figures["registrations"],
                figures["postings"],
                figures["requested"],
                figures["scheduled"],
                figures["held"],
                figures["intentions"],
                figures["signed"],
                float(figures["contract_amount"]),
                figures["pairs"],
            ]
        )
        for item in figures["venues"]:
            venue = item["venue"]
            venue_rows.append(
                [
                    event.title,
                    venue.get_kind_display(),
                    venue.name,
                    item["registrants"],
                    item["attendees"],
                    venue.capacity,
                ]
            )
    return [
        Table(
            "events",
            _("对接会"),
            [
                _("活动"),
                _("开始日期"),
                _("参会单位"),
                _("发布项目"),
                _("预约洽谈"),
                _("已排洽谈"),
                _("已洽谈"),
                _("达成意向"),
                _("现场签约"),
                _("合同金额(万元)"),
                _("进入对接流程的配对"),
            ],
            rows,
        ),
        Table(
            "event_venues",
            _("对接会会场报名"),
            [_("活动"), _("会场类型"), _("会场"), _("参会单位"), _("参会人数"), _("容纳人数")],
            venue_rows,
        ),
    ]
