"""manage.py requeue_stale: what the beat task does every few minutes, for setups without beat."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.management.base import BaseCommand

from matching.lists import rematch


class Command(BaseCommand):
    help = "Re-enqueue stuck rematch chunks and postings whose recommendations are stale."

    def handle(self, *args: Any, **options: Any) -> None:
        report = rematch.requeue_stale()
        for key, value in dataclasses.asdict(report).items():
            self.stdout.write(f"{key}: {value}")
