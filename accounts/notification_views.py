"""The in-site inbox (站内通知): list, open (marks read and follows the link), mark read.

The list shows one line per notice (what happened, to which pair, how long ago); the long
text stays in the e-mail copy and behind the link.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.notifications import (
    notification_list_for,
    notification_mark_all_read,
    notification_mark_read,
    notification_unread_count,
)

PAGE_SIZE = 20


def relative_time(when: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "刚刚", "5 分钟前", "3 小时前", "2 天前"; the date itself after a week."""
    now = now or timezone.now()
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return _("刚刚")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("%(n)d 分钟前", "%(n)d 分钟前", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(n)d 小时前", "%(n)d 小时前", hours) % {"n": hours}
    days = hours // 24
    if days < 7:
        return ngettext("%(n)d 天前", "%(n)d 天前", days) % {"n": days}
    return timezone.localtime(when).strftime("%Y-%m-%d")


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the page of the list the button was on (filter and page kept)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("accounts:notification-list")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    unread_only = bool(request.GET.get("unread"))
    notifications = notification_list_for(user=user).defer("body")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for notification in page:
        notification.ago = relative_time(notification.created_at, now)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/notification_list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread_total": notification_unread_count(user=user),
        },
    )


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notification = notification_mark_read(user=user, notification_id=notification_id)
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("accounts:notification-list")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notification_mark_read(user=user, notification_id=notification_id)
    return _back_to_list(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notification_mark_all_read(user=user)
    return _back_to_list(request)
