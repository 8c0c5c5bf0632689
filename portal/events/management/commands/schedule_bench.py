"""Generate a synthetic matchmaking event, schedule it and write checkable JSON files.

Writes ``DIR/input.json`` (slots, tables, participants, requests) and ``DIR/schedule.json``
(placed and unplaced requests), then prints one JSON line of figures. Touches no database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.events.schedule_gen import compare, generate, problem_json, solution_json


class Command(BaseCommand):
    help = "生成一场模拟对接会，排定 1:1 洽谈并写出可核验的 input.json 与 schedule.json"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, required=True)
        parser.add_argument("--requests", type=int, required=True)
        parser.add_argument("--days", type=int, default=1)
        parser.add_argument("--slots", type=int, required=True, help="slots per day")
        parser.add_argument("--tables", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--time-limit", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        problem = generate(
            options["participants"],
            options["requests"],
            options["days"],
            options["slots"],
            options["tables"],
            options["seed"],
        )
        solution, figures = compare(problem, time_limit=options["time_limit"])
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        (out / "input.json").write_text(json.dumps(problem_json(problem)), encoding="utf-8")
        (out / "schedule.json").write_text(json.dumps(solution_json(solution)), encoding="utf-8")
        self.stdout.write(json.dumps(figures))
