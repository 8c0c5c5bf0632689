"""Integration tests talk to real PostgreSQL, Redis and a Celery worker process.

They run only when DATABASE_URL points at PostgreSQL and REDIS_URL is set (as .ci/run does);
otherwise every test here is skipped with the reason shown in the pytest summary.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

SERVICES_MISSING = not (
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    and os.environ.get("REDIS_URL")
)
SKIP_REASON = (
    "integration: set DATABASE_URL (PostgreSQL) and REDIS_URL to run against real services"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)
            if SERVICES_MISSING:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def wait_for(
    predicate: Callable[[], object], *, timeout: float = 60.0, every: float = 0.2
) -> object:
    """Poll until predicate() is truthy; fail the test with a clear message on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"condition not met within {timeout:.0f} s")


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen[bytes], log_path: Path) -> None:
        self.proc = proc
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crashed machine would."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def _test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER'] or ''}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(log_path: Path) -> WorkerProcess:
    """Start `celery worker` with production settings, pointed at this test's database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "1",
    }
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-Q",
                "default,rematch",
                "-c",
                "1",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"itest-{os.getpid()}-{log_path.stem}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = WorkerProcess(proc, log_path)
    wait_for(lambda: "ready." in worker.log() or proc.poll() is not None, timeout=90)
    if proc.poll() is not None:
        pytest.fail(f"celery worker exited early:\n{worker.log()[-3000:]}")
    return worker


@pytest.fixture
def worker_factory(transactional_db: None, tmp_path: Path) -> Iterator[Callable[[], WorkerProcess]]:
    """Start real worker processes on REDIS_URL; every one is stopped after the test.

    The test process sends tasks through Redis (eager mode is switched off for the test);
    the workers run with production settings (portal.settings), pointed at the test database
    that pytest-django created, so what they write is visible here.
    """
    from portal.celery import app

    previous_eager = app.conf.task_always_eager
    previous_broker = app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    workers: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = start_worker(tmp_path / f"worker{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        app.conf.task_always_eager = previous_eager
        app.conf.broker_url = previous_broker
        for worker in workers:
            worker.stop()
        # Let the workers' connections close before pytest-django flushes the database.
        connection.close()


@pytest.fixture
def celery_worker_process(worker_factory: Callable[[], WorkerProcess]) -> WorkerProcess:
    """One real worker process (see worker_factory)."""
    return worker_factory()
