"""manage.py rematch_all: recompute every published posting's recommendations."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from matching.lists import rematch
from matching.models import JobStatus, RematchJob


class Command(BaseCommand):
    help = (
        "Start a full rematch and print its progress (done/total). With eager Celery (the "
        "embedded default) or --inline the chunks run in this process; otherwise the "
        "workers run them and this command waits, printing progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument("--inline", action="store_true", help="run the chunks here")
        parser.add_argument(
            "--no-wait", action="store_true", help="enqueue the chunks and return at once"
        )
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between reports")

    def handle(self, *args: Any, **options: Any) -> None:
        if rematch.dictionary_update():
            self.stdout.write("领域词典已更新，将重新分词")
        job = rematch.rematch_all_start(chunk_size=options["chunk_size"])
        self._report(job)
        if options["inline"] or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            # Chunks already run by eager tasks are no longer PENDING: claiming skips them.
            for chunk in job.chunks.filter(status=JobStatus.PENDING).order_by("seq"):
                if rematch.rematch_chunk_run(chunk_id=chunk.pk):
                    self._report(job)
            self._report(job)
            return
        if options["no_wait"]:
            return
        while not job.is_finished:
            time.sleep(options["poll"])
            self._report(job)

    def _report(self, job: RematchJob) -> None:
        job.refresh_from_db()
        self.stdout.write(
            f"rematch #{job.pk} {job.get_status_display()} ({job.percent}%): "
            f"indexed {job.indexed}/{job.total}, matched {job.done}/{job.total}, "
            f"failed {job.failed}"
        )
