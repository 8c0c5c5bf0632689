"""Template context every page gets from accounts: the unread count of the inbox badge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.notifications import notification_unread_count


def _unread(request: HttpRequest) -> int:
    # One count per request, shared with the {% unread_notification_count %} tag.
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = notification_unread_count(user=request.user)  # type: ignore[arg-type]
        request._unread_notifications = cached  # type: ignore[attr-defined]
    return int(cached)


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: a callable, so templates count only when they show it (the
    template engine calls it), and never for visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": lambda: _unread(request)}
