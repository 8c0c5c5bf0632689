from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.reference.sync import reference_data_sync


class Command(BaseCommand):
    help = "加载行政区划、技术领域、合作方式、成熟度和知识产权类型等基础数据（幂等）"

    def handle(self, *args: Any, **options: Any) -> None:
        created = reference_data_sync()
        self.stdout.write(", ".join(f"{key}: +{value}" for key, value in created.items()))
