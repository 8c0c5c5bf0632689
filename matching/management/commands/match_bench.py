"""``manage.py match_bench``: rank JSONL queries against a JSONL corpus with the engine.

    python manage.py match_bench --queries Q.jsonl --corpus C.jsonl --top 10 --out OUT.jsonl

A thin wrapper over :mod:`matching.bench_cli` (same code as the bench adapter). It never
touches the portal's database or Redis.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from matching.engine import bench_cli


class Command(BaseCommand):
    help = "Rank JSONL queries against a JSONL corpus with the production matching engine."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        bench_cli.build_parser(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = bench_cli.run(
                options["queries"],
                options["corpus"],
                options["out"],
                top=options["top"],
                processes=options["processes"],
            )
        except bench_cli.BenchInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary))
