"""The challenge lists' and competitions' tables on the dashboard and in its Excel export
(registered in ``ChallengesConfig.ready`` with :mod:`matching.dashboards.sections`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from matching.dashboards.export import Table
from portal.challenges import selectors
from portal.challenges.models import Programme


def _programmes_for(user: Any) -> list[Programme]:
    if getattr(user, "jurisdiction", None) is not None:
        qs = selectors.programme_list_managed_by(user=user)
    else:
        qs = selectors.programme_list_visible_to(user=None)
    return list(qs.exclude(status__in=(Programme.Status.DRAFT, Programme.Status.CANCELLED)))


def programme_tables(user: Any) -> list[Table]:
    """揭榜挂帅与大赛: per list or competition, its bids, consortia, awards and delivery."""
    rows: list[list[Any]] = []
    for programme in _programmes_for(user):
        figures = selectors.programme_stats(programme=programme)
        rows.append(
            [
                programme.title,
                programme.get_kind_display(),
                programme.get_status_display(),
                figures["challenges"],
                figures["entries"],
                figures["entries_per_challenge"] or "",
                f"{figures['consortium_share']:.0%}",
                figures["awarded"],
                float(figures["awarded_funding"]),
                f"{figures['milestones_done']}/{figures['milestones']}",
                figures["milestones_overdue"],
            ]
        )
    return [
        Table(
            "challenges",
            _("揭榜挂帅与创新大赛"),
            [
                _("名称"),
                _("类型"),
                _("状态"),
                _("榜题"),
                _("揭榜/参赛项目"),
                _("每题揭榜数"),
                _("联合体占比"),
                _("入选/获奖"),
                _("揭榜经费(万元)"),
                _("节点完成"),
                _("逾期节点"),
            ],
            rows,
        )
    ]
