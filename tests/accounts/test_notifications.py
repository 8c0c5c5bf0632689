from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, User
from accounts.notifications import (
    notification_mark_read,
    notification_unread_count,
    notify,
)

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
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=alice, event_key="e", subject="s")
    assert mail.outbox == []
    assert Notification.objects.filter(user=alice).count() == 1


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
