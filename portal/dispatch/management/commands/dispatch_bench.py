"""``manage.py dispatch_bench``: the dispatch-round benchmark of ``portal.dispatch.bench_cli``
(also runnable as ``python -m portal.dispatch.bench_cli``). Touches no database."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.dispatch.bench_cli import HELP, add_arguments, run


class Command(BaseCommand):
    help = HELP
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        figures = run(options["enterprises"], options["experts"], options["seed"], options["out"])
        self.stdout.write(json.dumps(figures))
