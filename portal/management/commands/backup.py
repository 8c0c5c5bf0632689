from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump -Fc，SQLite 用在线备份）和上传文件，"
        "并写出每张表的行数与校验和（manifest.json）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            default=str(
                getattr(settings, "BACKUP_DIR", "") or settings.BASE_DIR / "var" / "backups"
            ),
            help="备份写到此目录下的 duijie-<时间>/（默认 var/backups）",
        )
        parser.add_argument("--database-url", default="", help="默认为 DATABASE_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup.backup_create(
                target_dir=Path(options["dir"]),
                database=backup.Database.from_url(options["database_url"] or None),
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"{report.path}\n"
            f"  {len(manifest['tables'])} tables, {rows} rows: {manifest['database_file']} "
            f"{manifest['database_bytes']} bytes\n"
            f"  {len(manifest['media'])} files: {manifest['media_file']} "
            f"{manifest['media_bytes']} bytes\n"
            f"  {report.seconds:.1f} s"
        )
