"""Thin Celery wrappers around the challenge services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="portal.challenges.tasks.milestone_reminders_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def milestone_reminders_task() -> int:
    """Tell lead units of milestones due within a week, and of overdue ones."""
    from portal.challenges.awards import milestone_reminders_send

    return milestone_reminders_send()
