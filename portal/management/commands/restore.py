from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import backup


class Command(BaseCommand):
    help = (
        "把 `backup` 的备份恢复到空数据库和空的媒体目录，"
        "并逐表核对行数与校验和、逐个核对文件；不一致时失败"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="备份目录（var/backups/duijie-<时间>）")
        parser.add_argument("--database-url", default="", help="默认为 DATABASE_URL")
        parser.add_argument("--media-root", default="", help="默认为 MEDIA_ROOT")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup.backup_restore(
                source=Path(options["backup"]),
                database=backup.Database.from_url(options["database_url"] or None),
                media_root=Path(options["media_root"]) if options["media_root"] else None,
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if report.mismatches:
            raise CommandError("恢复结果与备份清单不一致：\n" + "\n".join(report.mismatches[:50]))
        manifest = report.manifest
        self.stdout.write(
            f"恢复完成，{len(manifest['tables'])} 张表和 {len(manifest['media'])} 个文件"
            f"与备份清单一致（{report.seconds:.1f} s）"
        )
