"""The dispatch ledger's tables (工作台账): one definition for the dashboard (registered in
``DispatchConfig.ready`` with :mod:`matching.dashboards.sections`), its Excel export and the
round's ledger export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from matching.dashboards.export import Table
from portal.dispatch import selectors
from portal.dispatch.models import Round, Visit


def _blank(value: Any) -> Any:
    return "" if value is None else value


def ledger_tables(rounds: QuerySet[Round], *, visits: bool = False) -> list[Table]:
    """Per expert, per institute, coverage per field × district, load per field; with
    ``visits`` also every visit (the round's own export)."""
    book = selectors.ledger(rounds=rounds)
    counts = [_("服务企业"), _("服务次数"), _("企业确认"), _("促成对接"), _("签约")]
    tables = [
        Table(
            "dispatch_experts",
            _("产业特派员工作台账"),
            [_("专家"), _("单位"), _("可服务企业数"), *counts, _("平均评分"), _("负荷")],
            [
                [
                    str(r["expert"]),
                    r["institute"],
                    r["capacity"],
                    r["enterprises"],
                    r["visits"],
                    r["confirmed"],
                    r["pairs"],
                    r["contracts"],
                    _blank(r["rating"]),
                    _blank(r["load"]),
                ]
                for r in book["experts"]
            ],
        ),
        Table(
            "dispatch_institutes",
            _("特派员派出单位"),
            [_("单位"), *counts],
            [
                [
                    r["institute"],
                    r["enterprises"],
                    r["visits"],
                    r["confirmed"],
                    r["pairs"],
                    r["contracts"],
                ]
                for r in book["institutes"]
            ],
        ),
        Table(
            "dispatch_coverage",
            _("特派员服务覆盖"),
            [_("领域"), _("区县"), _("应服务企业"), _("已服务企业"), _("服务专家")],
            [
                [r["field"], r["district"], r["to_serve"], r["served"], r["experts"]]
                for r in book["coverage"]
            ],
        ),
        Table(
            "dispatch_load",
            _("特派员负荷（按领域）"),
            [_("领域"), _("专家"), _("可服务企业数"), _("已派遣"), _("负荷")],
            [
                [r["field"], r["experts"], r["capacity"], r["assigned"], _blank(r["load"])]
                for r in book["load"]
            ],
        ),
    ]
    if visits:
        tables.append(
            Table(
                "dispatch_visits",
                _("服务记录"),
                [
                    _("日期"),
                    _("专家"),
                    _("企业"),
                    _("方式"),
                    _("诊断的问题"),
                    _("提出的建议"),
                    _("下一步"),
                    _("企业确认时间"),
                    _("评分"),
                    _("评价"),
                ],
                [
                    [
                        v.date,
                        str(v.assignment.volunteer.expert),
                        str(v.assignment.enterprise.organization),
                        v.get_mode_display(),
                        v.problem,
                        v.advice,
                        v.next_step,
                        _blank(v.confirmed_at),
                        _blank(v.rating),
                        v.rating_comment,
                    ]
                    for v in Visit.objects.filter(assignment__round__in=rounds)
                    .select_related(
                        "assignment__volunteer__expert", "assignment__enterprise__organization"
                    )
                    .order_by("date", "pk")
                ],
            )
        )
    return tables


def dispatch_tables(user: Any) -> list[Table]:
    rounds = selectors.round_list_visible_to(user=user).exclude(status=Round.Status.DRAFT)
    if getattr(user, "jurisdiction", None) is not None:
        rounds = rounds.filter(region_code__startswith=user.jurisdiction)
    return ledger_tables(rounds)
