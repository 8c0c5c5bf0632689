"""In-site notifications (站内通知) and their e-mail copies: services and selectors.

``notify`` is the one way to tell a user about an event. It is idempotent per
(user, event_key): a second call for the same event changes nothing and sends no second
e-mail, so callers (services, retried tasks) may call it freely.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Notification, User

logger = logging.getLogger(__name__)


# An SMTP server that accepts the connection and then stalls must not hold a worker for the
# whole task time limit: the socket gives up after this many seconds (then the task retries).
EMAIL_SEND_TIMEOUT_SECONDS = 30


def notification_email_send(*, notification_id: int) -> bool:
    """Send the e-mail copy of one notification; True if it went out on this call.

    Idempotent: ``emailed_at`` is claimed before sending, so a re-run (a retried or duplicated
    task) never sends twice. A failed send releases the claim and re-raises, so the task
    retries; ``emailed_at`` stays empty for as long as the e-mail has not gone out.
    """
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        logger.info("Notification %s is gone; no e-mail to send", notification_id)
        return False
    if not notification.user.email:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    body = notification.body
    if notification.url:
        base = getattr(settings, "SITE_URL", "").rstrip("/")
        body = f"{body}\n\n{base}{notification.url}"
    try:
        send_mail(
            subject=notification.subject,
            message=body,
            from_email=None,
            recipient_list=[notification.user.email],
            connection=get_connection(
                timeout=getattr(settings, "EMAIL_TIMEOUT", None) or EMAIL_SEND_TIMEOUT_SECONDS
            ),
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def _notification_email_enqueue(notification_id: int) -> None:
    # Imported here: accounts.tasks imports this module for the service it runs.
    from accounts.tasks import notification_email_task

    notification_email_task.delay(notification_id)


# The sweep re-sends e-mail copies that have not gone out after this long (the enqueue after
# commit failed: the broker was down), for this long after the notice was created.
EMAIL_RESEND_AFTER = dt.timedelta(minutes=10)
EMAIL_RESEND_WITHIN = dt.timedelta(days=1)
EMAIL_RESEND_BATCH = 500


def notification_emails_unsent() -> list[int]:
    """Notices whose e-mail copy is due but has not gone out: created between
    :data:`EMAIL_RESEND_WITHIN` and :data:`EMAIL_RESEND_AFTER` ago, to a user with an
    address, oldest first (at most :data:`EMAIL_RESEND_BATCH`)."""
    now = timezone.now()
    due = Notification.objects.filter(
        emailed_at__isnull=True,
        created_at__gte=now - EMAIL_RESEND_WITHIN,
        created_at__lte=now - EMAIL_RESEND_AFTER,
    ).exclude(user__email="")
    return list(due.order_by("created_at", "pk").values_list("pk", flat=True)[:EMAIL_RESEND_BATCH])


def notification_emails_resend() -> int:
    """Enqueue the e-mail of every notice :func:`notification_emails_unsent` finds (a beat
    task, every 15 minutes): a notice created while the broker was down is e-mailed once it
    is back. Sending claims the notice first, so one queued twice still goes out once.
    Returns the number enqueued."""
    ids = notification_emails_unsent()
    for notification_id in ids:
        _notification_email_enqueue(notification_id)
    if ids:
        logger.info("notifications: %s unsent e-mails enqueued again", len(ids))
    return len(ids)


@transaction.atomic
def notify(
    *, user: User, event_key: str, subject: str, body: str = "", url: str = ""
) -> Notification | None:
    """Create the notice for this (user, event); a Celery task e-mails it after commit.

    Returns the new notification, or None when the user was already told of this event.
    """
    if Notification.objects.filter(user=user, event_key=event_key).exists():
        return None
    notification = Notification(
        user=user, event_key=event_key, subject=subject[:200], body=body, url=url
    )
    notification.full_clean()
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        # Another process told this user of this event a moment ago.
        return None
    if user.email:
        # After commit, so the worker finds the row; robust, so a broker or mail outage is
        # logged and never turns the request that created the notice into an error.
        transaction.on_commit(lambda: _notification_email_enqueue(notification.pk), robust=True)
    return notification


def notify_from_template(
    *, user: User, event_key: str, template: str, context: dict[str, Any], url: str = ""
) -> Notification | None:
    """``notify`` with subject and body rendered from templates/emails/<template>-*.txt."""
    context = {**context, "user": user, "url": url, "SITE_NAME": settings.SITE_NAME}
    subject = render_to_string(f"emails/{template}-subject.txt", context).strip()
    subject = " ".join(subject.split())
    body = render_to_string(f"emails/{template}-body.txt", context).strip()
    return notify(user=user, event_key=event_key, subject=subject, body=body, url=url)


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notices read (others' notices: PermissionDenied)."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.user_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
