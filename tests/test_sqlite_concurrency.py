"""The embedded SQLite default takes two writers at once (issue 10: "database is locked" → 500).

Two threads, each with its own connection to a real SQLite file (the test database is in
memory, where none of this applies), open a transaction, read, pause and write, as two
requests saving at once would. With the settings' OPTIONS both writes succeed; with a deferred
BEGIN (Django's default) the same two writers meet "database is locked", even in WAL mode,
which shows the test can fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction

ALIAS = "sqlite_concurrency"
# How long each writer keeps its transaction open: long enough for the two to overlap.
HOLD_SECONDS = 0.3


@pytest.fixture
def sqlite_options(settings: Any) -> dict[str, Any]:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the suite runs on PostgreSQL; this checks the embedded SQLite default")
    return dict(settings.DATABASES["default"].get("OPTIONS", {}))


@pytest.fixture
def file_database(tmp_path: Path, django_db_blocker: Any) -> Iterator[Any]:
    """A function that points the ALIAS connection at a fresh SQLite file with the OPTIONS given."""

    def configure(options: dict[str, Any]) -> None:
        path = tmp_path / f"concurrency-{len(list(tmp_path.iterdir()))}.sqlite3"
        connections.settings[ALIAS] = {
            **connections.settings["default"],
            "NAME": str(path),
            "OPTIONS": options,
        }
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE visit (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")
        connections[ALIAS].close()

    with django_db_blocker.unblock():
        yield configure
    connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def _two_writers_at_once() -> tuple[list[str], list[Exception]]:
    """Run two overlapping read-then-write transactions; the names written and the errors."""
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def write(name: str) -> None:
        connection = connections[ALIAS]  # one connection per thread
        try:
            start.wait()
            with transaction.atomic(using=ALIAS), connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM visit")
                time.sleep(HOLD_SECONDS)
                cursor.execute("INSERT INTO visit (who) VALUES (%s)", [name])
        except OperationalError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT who FROM visit ORDER BY who")
        written = [row[0] for row in cursor.fetchall()]
    return written, errors


def test_the_settings_put_sqlite_in_wal_with_immediate_writes_and_a_busy_timeout(
    sqlite_options: dict[str, Any], file_database: Any
) -> None:
    file_database(sqlite_options)

    with connections[ALIAS].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert sqlite_options["transaction_mode"] == "IMMEDIATE"
    assert sqlite_options["timeout"] >= 5


def test_two_writers_at_once_both_succeed(
    sqlite_options: dict[str, Any], file_database: Any
) -> None:
    file_database(sqlite_options)

    written, errors = _two_writers_at_once()

    assert errors == []
    assert written == ["乙", "甲"]


def test_with_a_deferred_begin_the_same_writers_meet_database_is_locked(
    sqlite_options: dict[str, Any], file_database: Any
) -> None:
    # WAL alone is not enough: a deferred BEGIN reads first, then cannot take the write lock.
    file_database({**sqlite_options, "transaction_mode": None, "timeout": 1})

    written, errors = _two_writers_at_once()

    assert len(errors) == 1
    assert "locked" in str(errors[0])
    assert len(written) == 1
