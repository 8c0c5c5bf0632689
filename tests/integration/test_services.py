from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from portal.models import WorkerHeartbeat
from portal.tasks import heartbeat_task
from tests.integration.conftest import WorkerProcess, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_consumes_a_task_from_redis_and_writes_to_postgres(
    celery_worker_process: WorkerProcess,
) -> None:
    from django.db import connection

    assert connection.vendor == "postgresql"
    heartbeat_task.delay("integration-test")

    row = wait_for(lambda: WorkerHeartbeat.objects.filter(name="integration-test").first())

    assert row.count == 1
    assert row.hostname  # written by the worker process, not by this one
    assert "integration-test" in celery_worker_process.log() or "heartbeat_task" in (
        celery_worker_process.log()
    )


def test_health_reports_database_cache_and_broker_up() -> None:
    from django.conf import settings

    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    with override_settings(CACHES=redis_cache, CELERY_TASK_ALWAYS_EAGER=False):
        caches.close_all()
        response = Client().get("/healthz")
    caches.close_all()

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["backend"] == "postgresql"
    assert body["checks"]["cache"]["backend"] == "RedisCache"
    assert body["checks"]["broker"]["backend"] == "redis"
