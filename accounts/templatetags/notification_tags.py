"""``{% unread_notification_count as n %}``: the navbar badge, without a context processor."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.notifications import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    # One count per request even if the navbar and the page both ask.
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = notification_unread_count(user=user)
        if request is not None:
            request._unread_notifications = cached
    return int(cached)
