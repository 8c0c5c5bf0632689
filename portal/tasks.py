from __future__ import annotations

import socket

from celery import shared_task

from portal import services


@shared_task(name="portal.tasks.heartbeat_task")
def heartbeat_task(name: str = "worker") -> int:
    """Prove a worker is alive and can write to the database; returns the beat count."""
    return services.heartbeat_record(name=name, hostname=socket.gethostname()).count
