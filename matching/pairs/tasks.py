"""Celery tasks of the match workflow (thin: they call matching.workflow services)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from matching.pairs import followups

logger = logging.getLogger(__name__)


@shared_task(
    name="matching.tasks.send_followup_reminders_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_followup_reminders_task() -> int:
    """Daily (beat): remind responsible staff of overdue pairs, once per pair per day."""
    sent = followups.followup_reminders_send()
    logger.info("Follow-up reminders sent: %s", sent)
    return sent
