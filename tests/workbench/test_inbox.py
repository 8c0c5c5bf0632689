"""The inbox: an unread badge in the top bar on every page, a list of one-line notices
(subject and how long ago, no body), an unread filter, pages, and mark read one or all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Notification, User
from accounts.notification_views import relative_time
from accounts.notifications import notification_unread_count, notify

pytestmark = pytest.mark.django_db

LIST = "/accounts/notifications/"


def _badge(html: str) -> list[str]:
    """The unread counts the top bar shows (outside any dropdown menu)."""
    return re.findall(r'class="badge rounded-pill bg-danger ms-1 nav-inbox-count">([^<]+)<', html)


def test_the_top_bar_shows_the_unread_count_on_every_page(
    alice: User, alice_client: Client
) -> None:
    for n in range(3):
        notify(user=alice, event_key=f"e{n}", subject=f"通知{n}")
    Notification.objects.filter(event_key="e0").update(read_at=timezone.now())

    for url in ("/", "/needs/", LIST):
        html = alice_client.get(url).content.decode()
        assert _badge(html) == ["2", "2"], url  # phone bell and wide-screen bell
        assert 'title="2 条未读消息"' in html

    Notification.objects.update(read_at=timezone.now())
    assert _badge(alice_client.get("/").content.decode()) == []


def test_visitors_have_no_inbox_in_the_top_bar() -> None:
    html = Client().get("/").content.decode()

    assert "nav-inbox" not in html


def test_the_list_shows_one_line_per_notice_without_its_body(
    alice: User, alice_client: Client
) -> None:
    notice = notify(
        user=alice,
        event_key="e1",
        subject="“高盐废水零排放”的对接已审核通过",
        body="您好：\n这是一段很长的邮件正文，说明对接的来龙去脉。",
        url="/matching/pairs/1/",
    )
    assert notice is not None
    Notification.objects.filter(pk=notice.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=3, minutes=5)
    )

    html = alice_client.get(LIST).content.decode()

    assert "“高盐废水零排放”的对接已审核通过" in html
    assert "很长的邮件正文" not in html
    assert "3 小时前" in html
    local = timezone.localtime(timezone.now() - dt.timedelta(hours=3, minutes=5))
    assert f'title="{local:%Y-%m-%d %H:}' in html
    assert f'href="/accounts/notifications/{notice.pk}/"' in html


def test_relative_times_read_naturally() -> None:
    now = timezone.now()

    assert relative_time(now - dt.timedelta(seconds=20), now) == "刚刚"
    assert relative_time(now - dt.timedelta(minutes=5), now) == "5 分钟前"
    assert relative_time(now - dt.timedelta(hours=3), now) == "3 小时前"
    assert relative_time(now - dt.timedelta(days=2), now) == "2 天前"
    old = now - dt.timedelta(days=40)
    assert relative_time(old, now) == timezone.localtime(old).strftime("%Y-%m-%d")


def test_the_unread_filter_and_pages(alice: User, alice_client: Client) -> None:
    for n in range(25):
        notify(user=alice, event_key=f"e{n}", subject=f"第{n}条通知")
    Notification.objects.filter(event_key__in=["e0", "e1"]).update(read_at=timezone.now())

    first = alice_client.get(LIST)
    second = alice_client.get(LIST, {"page": 2})
    unread = alice_client.get(LIST, {"unread": 1})

    assert len(first.context["page"]) == 20
    assert len(second.context["page"]) == 5
    assert unread.context["page"].paginator.count == 23
    assert "第0条通知" not in unread.content.decode()
    assert "page=2&amp;unread=1" in unread.content.decode()


def test_mark_one_read_then_all_read(alice: User, alice_client: Client) -> None:
    a = notify(user=alice, event_key="a", subject="甲")
    notify(user=alice, event_key="b", subject="乙")
    notify(user=alice, event_key="c", subject="丙")
    assert a is not None

    response = alice_client.post(
        f"/accounts/notifications/{a.pk}/read/", {"next": f"{LIST}?unread=1"}
    )

    assert response["Location"] == f"{LIST}?unread=1"
    assert notification_unread_count(user=alice) == 2
    assert "甲" not in alice_client.get(LIST, {"unread": 1}).content.decode()

    response = alice_client.post(
        "/accounts/notifications/read-all/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == LIST
    assert notification_unread_count(user=alice) == 0
    html = alice_client.get(LIST).content.decode()
    assert 'id="read-all"' not in html
    assert _badge(html) == []


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(
    alice: User, alice_client: Client
) -> None:
    notice = notify(user=alice, event_key="e1", subject="对接已审核", url="/matching/pairs/")
    assert notice is not None

    response = alice_client.get(f"/accounts/notifications/{notice.pk}/")

    assert response["Location"] == "/matching/pairs/"
    assert notification_unread_count(user=alice) == 0


def test_nobody_marks_anothers_notice(alice: User, charlie: User) -> None:
    notice = notify(user=alice, event_key="e1", subject="甲的通知")
    assert notice is not None
    client = Client()
    client.force_login(charlie)

    assert client.post(f"/accounts/notifications/{notice.pk}/read/").status_code == 403
    assert notification_unread_count(user=alice) == 1
