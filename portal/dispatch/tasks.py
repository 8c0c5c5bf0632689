"""Thin Celery wrappers around the dispatch services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="portal.dispatch.tasks.reminders_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def reminders_task() -> int:
    """Remind experts with no visit logged and enterprises with visits unconfirmed."""
    from portal.dispatch.services import reminders_send

    return reminders_send()
