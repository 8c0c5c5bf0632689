"""Fit the engine's score weights to staff decisions (issue 15), per region and site-wide."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from matching.learning import services


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "用审核样本拟合匹配排序权重：按地区（科技局辖区）和全站各拟合一次，"
        "仅当留出样本上的一致率明显优于现有权重时启用"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scope",
            default=None,
            help="只拟合该地区代码前缀（空字符串为全站）；默认全站及各科技局辖区",
        )
        parser.add_argument("--json", action="store_true", help="只输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = options["scope"]
        fits = (
            services.weight_fits_run()
            if scope is None
            else [services.weight_fit_run(scope=scope.strip())]
        )
        rows = [
            {
                "id": fit.pk,
                "scope": fit.scope,
                "decisions": fit.decisions,
                "lists": fit.lists,
                "pairs": fit.pairs,
                "skipped": fit.skipped,
                "auc_before": fit.auc_before,
                "auc_after": fit.auc_after,
                "gain_low": fit.gain_low,
                "verdict": fit.verdict,
                "weights_before": fit.weights_before,
                "weights_after": fit.weights_after,
            }
            for fit in fits
        ]
        if not options["json"]:
            for fit in fits:
                self.stdout.write(
                    f"[{fit.scope or '全站'}] 可比较的审核样本 {fit.decisions} 条，可比较列表 "
                    f"{fit.lists} 个，比较对 {fit.pairs} 个，无法重新评分 {fit.skipped} 条；"
                    f"留出一致率 {_fmt(fit.auc_before)} → {_fmt(fit.auc_after)}；"
                    f"{fit.get_verdict_display()}"
                )
        self.stdout.write(json.dumps(rows, ensure_ascii=False))
