"""The in-site inbox (站内通知): list, open (marks read and follows the link), mark read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.notifications import (
    notification_list_for,
    notification_mark_all_read,
    notification_mark_read,
)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notifications = notification_list_for(user=user)
    if request.GET.get("unread"):
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/notification_list.html",
        {"page": page, "unread_only": bool(request.GET.get("unread"))},
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
    return redirect("accounts:notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    notification_mark_all_read(user=user)
    return redirect("accounts:notification-list")
