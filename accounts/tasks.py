"""Celery tasks of accounts: thin wrappers that load ids and call the services."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from accounts.notifications import notification_email_send, notification_emails_resend


@shared_task(
    name="accounts.tasks.notification_email_task",
    # A mail server that is down, refuses for a while or times out (socket errors are OSError);
    # each retry waits longer (up to 1, 2, 4, 8, 16 s, jittered) before the e-mail is given up.
    autoretry_for=(SMTPException, OSError, OperationalError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def notification_email_task(notification_id: int) -> bool:
    """E-mail the copy of one in-site notification; True if it went out on this run."""
    return notification_email_send(notification_id=notification_id)


@shared_task(name="accounts.tasks.notification_email_sweep_task")
def notification_email_sweep_task() -> int:
    """Enqueue again the e-mails of notices that have not gone out (beat, every 15 min)."""
    return notification_emails_resend()
