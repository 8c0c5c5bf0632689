"""Report how often the engine ranks staff-approved pairs above staff-rejected ones."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from matching.engine.decision_eval import pairwise_auc
from matching.models import MatchDecision


def _fmt(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


class Command(BaseCommand):
    help = "用审核样本评估匹配排序：每个需求下已批准的配对得分高于被否决配对的比例（pairwise AUC）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--current",
            action="store_true",
            help="用配对当前的引擎得分（默认用审核时记录的得分）",
        )
        parser.add_argument(
            "--include-manual", action="store_true", help="包含工作人员人工添加的配对"
        )
        parser.add_argument("--json", action="store_true", help="只输出 JSON")
        parser.add_argument("--region", default="", help="只评估该地区代码前缀的需求")

    def handle(self, *args: Any, **options: Any) -> None:
        qs = MatchDecision.objects.select_related("match").order_by("match_id", "-decided_at")
        if not options["include_manual"]:
            qs = qs.filter(is_manual=False)
        if options["region"]:
            qs = qs.filter(match__need__region_code__startswith=options["region"])
        # The latest decision of each pair is its label.
        latest: dict[int, MatchDecision] = {}
        for decision in qs:
            latest.setdefault(decision.match_id, decision)
        rows = [
            (
                d.match.need_id,
                d.match.score if options["current"] else d.score,
                d.approved,
            )
            for d in latest.values()
        ]
        report = pairwise_auc(rows)
        summary = {
            "decisions": report.decisions,
            "needs_compared": len(report.per_need),
            "pairs": report.pairs,
            "auc_micro": None if math.isnan(report.micro_auc) else round(report.micro_auc, 4),
            "auc_macro": None if math.isnan(report.macro_auc) else round(report.macro_auc, 4),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(f"{'需求':>8} {'批准':>4} {'否决':>4} {'比较对':>6} {'AUC':>6}")
        for need in report.per_need:
            self.stdout.write(
                f"{need.need_id:>8} {need.approved:>4} {need.rejected:>4} "
                f"{need.pairs:>6} {_fmt(need.auc):>6}"
            )
        self.stdout.write(
            f"审核样本 {report.decisions} 条；可比较需求 {len(report.per_need)} 个，"
            f"比较对 {report.pairs} 个；AUC（合并）{_fmt(report.micro_auc)}，"
            f"AUC（按需求平均）{_fmt(report.macro_auc)}"
        )
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
