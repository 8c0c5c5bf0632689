from __future__ import annotations

import datetime as dt
from smtplib import SMTPException, SMTPServerDisconnected
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notifications import (
    notification_mark_read,
    notification_unread_count,
    notify,
)
from accounts.tasks import notification_email_sweep_task, notification_email_task

pytestmark = pytest.mark.django_db


def test_it_notifies_once_per_event(alice: User, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(user=alice, event_key="match:1:approved", subject="新的对接", body="正文")
        second = notify(user=alice, event_key="match:1:approved", subject="新的对接", body="正文")
    assert first is not None
    assert second is None
    assert Notification.objects.filter(user=alice).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "新的对接"
    assert mail.outbox[0].to == [alice.email]


def test_the_same_event_notifies_each_user(alice: User, bob: User) -> None:
    notify(user=alice, event_key="e", subject="s")
    notify(user=bob, event_key="e", subject="s")
    assert Notification.objects.count() == 2


def test_it_sends_no_email_before_commit(alice: User) -> None:
    notify(user=alice, event_key="e", subject="s")
    assert mail.outbox == []


def test_it_skips_email_for_users_without_address(
    alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    alice.email = ""
    alice.save(update_fields=["email"])
    with (
        mock.patch.object(notification_email_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(user=alice, event_key="e", subject="s")
    assert mail.outbox == []
    assert delay.call_count == 0
    assert Notification.objects.get(user=alice).emailed_at is None


def test_a_notice_enqueues_its_email_task_on_commit_and_records_that_it_went_out(
    alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch.object(
            notification_email_task, "delay", wraps=notification_email_task.delay
        ) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = notify(user=alice, event_key="e", subject="新的对接", body="正文")
        # Inside the transaction: nothing enqueued, nothing sent.
        assert delay.call_count == 0
        assert mail.outbox == []

    assert notification is not None
    delay.assert_called_once_with(notification.pk)
    assert [(m.subject, m.to) for m in mail.outbox] == [("新的对接", [alice.email])]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def _notice(user: User) -> Notification:
    return Notification.objects.create(user=user, event_key="e", subject="新的对接", body="正文")


@pytest.fixture
def retries_as_on_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eager tasks retry as a worker would (the test settings propagate the first error)."""
    monkeypatch.setitem(notification_email_task.app.conf, "task_eager_propagates", False)


@pytest.mark.usefixtures("retries_as_on_a_worker")
def test_a_send_that_fails_once_is_retried_and_then_goes_out(alice: User) -> None:
    notification = _notice(alice)

    with mock.patch(
        "accounts.notifications.send_mail",
        wraps=send_mail,
        side_effect=[SMTPServerDisconnected("421 try again later"), mock.DEFAULT],
    ) as sender:
        result = notification_email_task.apply(args=[notification.pk])

    assert result.successful()
    assert sender.call_count == 2
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.usefixtures("retries_as_on_a_worker")
def test_a_mail_server_that_stays_down_is_retried_five_times_then_given_up(alice: User) -> None:
    notification = _notice(alice)

    with mock.patch(
        "accounts.notifications.send_mail", side_effect=SMTPException("down")
    ) as sender:
        result = notification_email_task.apply(args=[notification.pk])

    assert result.failed()
    assert sender.call_count == 1 + 5
    notification.refresh_from_db()
    assert notification.emailed_at is None  # the row says the e-mail never went out


def test_a_failed_send_leaves_the_notice_marked_unsent_for_the_retry(alice: User) -> None:
    notification = _notice(alice)

    with (
        mock.patch("accounts.notifications.send_mail", side_effect=SMTPException("boom")),
        pytest.raises(SMTPException),
    ):
        notification_email_task.run(notification.pk)

    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert notification_email_task.run(notification.pk) is True
    assert notification_email_task.run(notification.pk) is False  # never twice
    assert len(mail.outbox) == 1


def test_a_failing_send_never_breaks_the_request_that_notified(
    alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("accounts.notifications.send_mail", side_effect=SMTPException("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = notify(user=alice, event_key="e", subject="s")

    assert notification is not None
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert mail.outbox == []


def test_the_workers_register_the_email_task() -> None:
    from portal.celery import app

    app.loader.import_default_modules()
    assert "accounts.tasks.notification_email_task" in app.tasks


def test_mark_read_counts_down(alice: User) -> None:
    n = notify(user=alice, event_key="e1", subject="s")
    notify(user=alice, event_key="e2", subject="s")
    assert notification_unread_count(user=alice) == 2
    assert n is not None
    notification_mark_read(user=alice, notification_id=n.pk)
    assert notification_unread_count(user=alice) == 1


def test_it_refuses_to_mark_other_users_notices(alice: User, charlie: User) -> None:
    from django.core.exceptions import PermissionDenied

    n = notify(user=alice, event_key="e1", subject="s")
    assert n is not None
    with pytest.raises(PermissionDenied):
        notification_mark_read(user=charlie, notification_id=n.pk)


def test_the_inbox_shows_unread_count_in_the_navbar(alice: User, alice_client: Client) -> None:
    notify(user=alice, event_key="e1", subject="您有新的对接推荐", url="/accounts/profile/")
    response = alice_client.get(reverse("accounts:notification-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "您有新的对接推荐" in html
    assert 'id="nav-unread-count">1<' in html


def test_opening_a_notice_marks_it_read_and_follows_its_link(
    alice: User, alice_client: Client
) -> None:
    n = notify(user=alice, event_key="e1", subject="s", url="/accounts/profile/")
    assert n is not None
    response = alice_client.get(reverse("accounts:notification-open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    n.refresh_from_db()
    assert n.is_read


def test_it_does_not_redirect_off_site(alice: User, alice_client: Client) -> None:
    n = notify(user=alice, event_key="e1", subject="s", url="https://evil.example/")
    assert n is not None
    response = alice_client.get(reverse("accounts:notification-open", args=[n.pk]))
    assert response["Location"] == reverse("accounts:notification-list")


def test_others_cannot_open_or_read_my_notices(alice: User, charlie: User) -> None:
    n = notify(user=alice, event_key="e1", subject="s")
    assert n is not None
    client = Client()
    client.force_login(charlie)
    assert client.get(reverse("accounts:notification-open", args=[n.pk])).status_code == 403
    assert client.post(reverse("accounts:notification-read", args=[n.pk])).status_code == 403
    assert list(client.get(reverse("accounts:notification-list")).context["page"]) == []


def test_read_all_marks_everything_read(alice: User, alice_client: Client) -> None:
    notify(user=alice, event_key="e1", subject="s")
    notify(user=alice, event_key="e2", subject="s")
    response = alice_client.post(reverse("accounts:notification-read-all"))
    assert response.status_code == 302
    assert notification_unread_count(user=alice) == 0


def test_the_inbox_needs_login() -> None:
    response = Client().get(reverse("accounts:notification-list"))
    assert response.status_code == 302


def _created_ago(notification: Notification, minutes: float) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_a_notice_whose_email_was_never_enqueued_is_sent_by_the_sweep(alice: User) -> None:
    """The broker was down when the notice was created (its after-commit enqueue failed):
    the beat sweep sends it once, and only once, when it is ten minutes old."""
    with mock.patch("accounts.notifications._notification_email_enqueue", side_effect=OSError):
        notice = notify(user=alice, event_key="match:9:approved", subject="对接已批准", body="正文")
    assert notice is not None
    assert mail.outbox == []

    assert notification_email_sweep_task() == 0  # in flight: too recent to resend
    _created_ago(notice, 11)
    assert notification_email_sweep_task() == 1
    assert [m.subject for m in mail.outbox] == ["对接已批准"]
    assert notification_email_sweep_task() == 0
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_old_notices_and_users_without_an_address(alice: User, bob: User) -> None:
    with mock.patch("accounts.notifications._notification_email_enqueue"):
        old = notify(user=alice, event_key="old", subject="两天前")
        no_address = notify(user=bob, event_key="x", subject="无邮箱")
    assert old is not None
    assert no_address is not None
    _created_ago(old, 60 * 48)
    User.objects.filter(pk=bob.pk).update(email="")
    _created_ago(no_address, 30)
    assert notification_email_sweep_task() == 0
    assert mail.outbox == []
