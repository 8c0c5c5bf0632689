"""`make backup` / `make restore` with the embedded default (SQLite file): the online backup
API copies the file, and a restore into a new file reproduces every table and upload.
(PostgreSQL: tests/integration/test_backup_restore.py.)"""

from __future__ import annotations

import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def sqlite_site(tmp_path: Path) -> tuple[Path, Path]:
    """A small SQLite database and media folder standing in for `make run`'s."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE portal_need (id INTEGER PRIMARY KEY, title TEXT, budget REAL)")
        db.executemany(
            "INSERT INTO portal_need (title, budget) VALUES (?, ?)",
            [("钙钛矿电池稳定性", 12.5), ("污水处理", None), ("注塑模具", 3.0)],
        )
        db.execute("CREATE TABLE portal_empty (id INTEGER PRIMARY KEY)")
    db.close()
    media = tmp_path / "media" / "attachments"
    media.mkdir(parents=True)
    (media / "方案.pdf").write_bytes(b"%PDF-1.4 demo")
    return path, tmp_path / "media"


def test_a_sqlite_site_round_trips_and_a_second_restore_is_refused(
    sqlite_site: tuple[Path, Path], tmp_path: Path, settings: object
) -> None:
    database, media = sqlite_site
    settings.MEDIA_ROOT = str(media)  # type: ignore[attr-defined]
    out = StringIO()

    call_command(
        "backup", dir=str(tmp_path / "b"), database_url=f"sqlite:///{database}", stdout=out
    )

    folder = Path(out.getvalue().splitlines()[0])
    assert "2 tables, 3 rows" in out.getvalue()
    restored = tmp_path / "restored.sqlite3"
    out = StringIO()

    call_command(
        "restore",
        str(folder),
        database_url=f"sqlite:///{restored}",
        media_root=str(tmp_path / "restored-media"),
        stdout=out,
    )

    assert "一致" in out.getvalue()
    with sqlite3.connect(restored) as db:
        rows = db.execute("SELECT title, budget FROM portal_need ORDER BY id").fetchall()
    db.close()
    assert rows == [("钙钛矿电池稳定性", 12.5), ("污水处理", None), ("注塑模具", 3.0)]
    copy = tmp_path / "restored-media" / "attachments" / "方案.pdf"
    assert copy.read_bytes() == b"%PDF-1.4 demo"
    with pytest.raises(CommandError, match="不是空的"):
        call_command(
            "restore",
            str(folder),
            database_url=f"sqlite:///{restored}",
            media_root=str(tmp_path / "other-media"),
        )


def test_a_folder_that_is_no_backup_is_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="不是备份目录"):
        call_command("restore", str(tmp_path), database_url=f"sqlite:///{tmp_path / 'x'}")
