"""Backup and restore of the database and the uploaded files (`make backup` / `make restore`).

A backup is a directory ``<BACKUP_DIR>/duijie-<time>/`` holding

- ``database.dump``: ``pg_dump -Fc`` of the database (PostgreSQL), or ``database.sqlite3``
  written with SQLite's online backup API (the embedded default);
- ``media.tar.gz``: every file under MEDIA_ROOT;
- ``manifest.json``: per table its row count and a checksum of its rows, per sequence its
  value, per file its size and SHA-256, and the sizes of the two archives.

On PostgreSQL the manifest and the dump read the same snapshot (``pg_export_snapshot``), so
the manifest describes exactly what was dumped even while the site keeps writing. A restore
goes into an empty database only, then reads the restored rows and files the same way and
compares them with the manifest: a restore that does not reproduce the backup fails loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import environ
import psycopg
from django.conf import settings
from django.utils import timezone

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_TAR = "media.tar.gz"
FORMAT = 1
PG_SESSION = (
    "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1"
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (shown to the operator)."""


@dataclass
class Database:
    """Where a database lives: the Django settings dict of DATABASE_URL (or of a given URL)."""

    settings: dict[str, Any]

    @classmethod
    def from_url(cls, url: str | None) -> Database:
        if not url:
            return cls(dict(settings.DATABASES["default"]))
        return cls(environ.Env.db_url_config(url))

    @property
    def is_postgres(self) -> bool:
        return "postgresql" in str(self.settings["ENGINE"])

    @property
    def is_sqlite(self) -> bool:
        return "sqlite3" in str(self.settings["ENGINE"])

    @property
    def name(self) -> str:
        return str(self.settings["NAME"])

    def connect_pg(self, **kwargs: Any) -> psycopg.Connection[Any]:
        try:
            # Fixed text forms, so a table's checksum does not depend on server settings.
            return psycopg.connect(**self._pg_params(), options=PG_SESSION, **kwargs)
        except psycopg.OperationalError as exc:
            raise BackupError(f"无法连接数据库 {self.name}：{exc}") from exc

    def _pg_params(self) -> dict[str, Any]:
        db = self.settings
        return {
            "host": db.get("HOST") or "127.0.0.1",
            "port": int(db.get("PORT") or 5432),
            "user": db.get("USER") or "postgres",
            "password": db.get("PASSWORD") or "",
            "dbname": db["NAME"],
        }

    def pg_env(self) -> dict[str, str]:
        """Environment for pg_dump / pg_restore: the password is not put on the command line."""
        params = self._pg_params()
        return {
            **os.environ,
            "PGHOST": str(params["host"]),
            "PGPORT": str(params["port"]),
            "PGUSER": str(params["user"]),
            "PGPASSWORD": str(params["password"]),
            "PGDATABASE": str(params["dbname"]),
        }


@dataclass
class Report:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    mismatches: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------- what is in a database


def _pg_tables(cursor: psycopg.Cursor[Any]) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _pg_contents(cursor: psycopg.Cursor[Any]) -> dict[str, Any]:
    """Row count and checksum of every table (order-independent: the sorted MD5s of the rows'
    text form, hashed again), and the value of every sequence."""
    tables: dict[str, dict[str, Any]] = {}
    for table in _pg_tables(cursor):
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "  # noqa: S608
            f"FROM (SELECT md5(t::text) AS h FROM {quoted} AS t) AS rows"
        )
        count, checksum = cursor.fetchone() or (0, "")
        tables[table] = {"rows": int(count), "checksum": checksum}
    cursor.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
        "ORDER BY sequencename"
    )
    sequences = dict(cursor.fetchall())
    return {"tables": tables, "sequences": sequences}


def _sqlite_contents(path: Path) -> dict[str, Any]:
    connection = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables: dict[str, dict[str, Any]] = {}
        for table in names:
            quoted = '"' + table.replace('"', '""') + '"'
            rows = connection.execute(f"SELECT * FROM {quoted}").fetchall()  # noqa: S608
            digests = sorted(_md5(repr(row)) for row in rows)
            checksum = _md5("".join(digests)) if digests else ""
            tables[table] = {"rows": len(rows), "checksum": checksum}
        return {"tables": tables, "sequences": {}}
    finally:
        connection.close()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def media_contents(root: Path) -> dict[str, dict[str, Any]]:
    """Every file under ``root``: its size and SHA-256, keyed by its path relative to root."""
    return {
        path.relative_to(root).as_posix(): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in _files_under(root)
    }


# ------------------------------------------------------------------------------------ backup


def backup_create(
    *, target_dir: Path, database: Database | None = None, media_root: Path | None = None
) -> Report:
    """Write a new backup directory under ``target_dir``; returns it with its manifest."""
    started = time.monotonic()
    database = database or Database.from_url(None)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    path = Path(target_dir) / f"duijie-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = Path(target_dir) / f"duijie-{stamp}-{suffix}"
    path.mkdir(parents=True)
    try:
        manifest = _backup_write(path, database, media_root)
    except BaseException:
        # No half-written backup is left to be mistaken for a good one.
        shutil.rmtree(path, ignore_errors=True)
        raise
    return Report(path=path, manifest=manifest, seconds=time.monotonic() - started)


def _backup_write(path: Path, database: Database, media_root: Path) -> dict[str, Any]:
    if database.is_postgres:
        contents, db_file = _backup_postgres(database, path)
    elif database.is_sqlite:
        contents, db_file = _backup_sqlite(database, path)
    else:
        raise BackupError(f"不支持备份此数据库类型：{database.settings['ENGINE']}")
    media = media_contents(media_root)
    with tarfile.open(path / MEDIA_TAR, "w:gz") as archive:
        for relative in media:
            archive.add(media_root / relative, arcname=relative, recursive=False)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": "postgresql" if database.is_postgres else "sqlite",
        "database_file": db_file,
        "database_bytes": (path / db_file).stat().st_size,
        "media_file": MEDIA_TAR,
        "media_bytes": (path / MEDIA_TAR).stat().st_size,
        **contents,
        "media": media,
    }
    (path / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    return manifest


def _backup_postgres(database: Database, path: Path) -> tuple[dict[str, Any], str]:
    # One snapshot for the manifest and pg_dump: rows written meanwhile are in neither.
    with database.connect_pg() as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = (cursor.fetchone() or [""])[0]
            contents = _pg_contents(cursor)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={path / PG_DUMP}",
                ],
                env=database.pg_env(),
            )
    return contents, PG_DUMP


def _backup_sqlite(database: Database, path: Path) -> tuple[dict[str, Any], str]:
    if not Path(database.name).is_file():
        raise BackupError(f"数据库文件 {database.name} 不存在：没有可备份的数据。")
    source = sqlite3.connect(database.name)
    copy = sqlite3.connect(path / SQLITE_COPY)
    try:
        # The online backup API copies a consistent state while the site keeps running.
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return _sqlite_contents(path / SQLITE_COPY), SQLITE_COPY


def _run(command: list[str], *, env: dict[str, str]) -> None:
    binary = shutil.which(command[0])
    if binary is None:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端（postgresql-client）。")
    done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
        [binary, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败（{done.returncode}）：{done.stderr.strip()[-2000:]}")


# ----------------------------------------------------------------------------------- restore


def manifest_read(path: Path) -> dict[str, Any]:
    manifest_path = Path(path) / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{path} 不是备份目录：缺少 {MANIFEST}。")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    return manifest


def backup_restore(
    *, source: Path, database: Database | None = None, media_root: Path | None = None
) -> Report:
    """Restore a backup into an empty database and media directory, then compare what was
    restored with the manifest (``Report.mismatches`` lists every difference)."""
    started = time.monotonic()
    source = Path(source)
    manifest = manifest_read(source)
    database = database or Database.from_url(None)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if any(_files_under(media_root)):
        raise BackupError(f"媒体目录 {media_root} 不是空的：请恢复到空目录。")
    if manifest["engine"] == "postgresql":
        if not database.is_postgres:
            raise BackupError("这是 PostgreSQL 的备份，目标数据库不是 PostgreSQL。")
        contents = _restore_postgres(database, source / manifest["database_file"])
    else:
        if not database.is_sqlite:
            raise BackupError("这是 SQLite 的备份，目标数据库不是 SQLite。")
        contents = _restore_sqlite(database, source / manifest["database_file"])
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / manifest["media_file"], "r:gz") as archive:
        archive.extractall(media_root, filter="data")
    restored = {**contents, "media": media_contents(media_root)}
    mismatches = _compare(manifest, restored)
    return Report(
        path=source, manifest=manifest, seconds=time.monotonic() - started, mismatches=mismatches
    )


def _restore_postgres(database: Database, dump: Path) -> dict[str, Any]:
    with database.connect_pg() as connection, connection.cursor() as cursor:
        if _pg_tables(cursor):
            raise BackupError(f"数据库 {database.name} 不是空的：请恢复到新建的空数据库。")
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.name}",
            str(dump),
        ],
        env=database.pg_env(),
    )
    with database.connect_pg() as connection, connection.cursor() as cursor:
        return _pg_contents(cursor)


def _restore_sqlite(database: Database, copy: Path) -> dict[str, Any]:
    target = Path(database.name)
    if target.exists() and target.stat().st_size > 0:
        existing = sqlite3.connect(target)
        try:
            tables = existing.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            existing.close()
        if tables:
            raise BackupError(f"数据库 {target} 不是空的：请恢复到新的文件。")
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return _sqlite_contents(target)


def _compare(manifest: dict[str, Any], restored: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for section in ("tables", "sequences", "media"):
        expected, found = manifest.get(section, {}), restored.get(section, {})
        for name in sorted(set(expected) | set(found)):
            if expected.get(name) != found.get(name):
                problems.append(
                    f"{section} {name}: 备份 {expected.get(name)} ≠ 恢复 {found.get(name)}"
                )
    return problems
