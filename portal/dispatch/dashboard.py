"""The dispatch ledger's tables on the dashboard and in its Excel export (registered in
``DispatchConfig.ready`` with :mod:`matching.dashboards.sections`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from matching.dashboards.export import Table
from portal.dispatch import selectors
from portal.dispatch.models import Round


def dispatch_tables(user: Any) -> list[Table]:
    rounds = selectors.round_list_visible_to(user=user).exclude(status=Round.Status.DRAFT)
    if getattr(user, "jurisdiction", None) is not None:
        rounds = rounds.filter(region_code__startswith=user.jurisdiction)
    book = selectors.ledger(rounds=rounds)
    return [
        Table(
            "dispatch_experts",
            _("产业特派员工作台账"),
            [
                _("专家"),
                _("单位"),
                _("服务企业"),
                _("服务次数"),
                _("平均评分"),
                _("促成对接"),
                _("签约"),
            ],
            [
                [
                    str(r["expert"]),
                    r["expert"].institution_name,
                    r["enterprises"],
                    r["visits"],
                    r["rating"] if r["rating"] is not None else "",
                    r["pairs"],
                    r["contracts"],
                ]
                for r in book["experts"]
            ],
        ),
        Table(
            "dispatch_coverage",
            _("特派员服务覆盖"),
            [_("领域"), _("区县"), _("应服务企业"), _("已服务企业")],
            [[r["field"], r["district"], r["to_serve"], r["served"]] for r in book["coverage"]],
        ),
    ]
