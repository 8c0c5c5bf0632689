"""Thin Celery wrappers around the events services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="portal.events.tasks.requests_expire_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def requests_expire_task() -> int:
    """Meeting requests left unanswered past their event's cut-off stop holding slots."""
    from portal.events.requests import requests_expire

    return requests_expire()
