"""Liveness of the services the portal depends on: database, cache and broker."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.db import connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    from django.core.cache import caches

    backend = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    backend.set(key, "1", timeout=10)
    if backend.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    backend.delete(key)
    return backend.__class__.__name__


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.REDIS_URL:
        return "eager"
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return app.conf.broker_url.split("://", 1)[0]


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def health_report() -> tuple[bool, dict[str, dict[str, object]]]:
    report: dict[str, dict[str, object]] = {}
    all_up = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:
            all_up = False
            report[name] = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            report[name] = {"status": "up", "backend": detail}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return all_up, report
