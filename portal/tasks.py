from __future__ import annotations

import socket

from celery import shared_task
from django.db import OperationalError

from portal import services


@shared_task(name="portal.tasks.heartbeat_task")
def heartbeat_task(name: str = "worker") -> int:
    """Prove a worker is alive and can write to the database; returns the beat count."""
    return services.heartbeat_record(name=name, hostname=socket.gethostname()).count


@shared_task(
    name="portal.tasks.expire_stale_postings_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def expire_stale_postings_task() -> dict[str, int]:
    """Flag postings due for re-confirmation and expire those past the grace period."""
    from portal.services.postings import posting_expire_stale

    return posting_expire_stale()
