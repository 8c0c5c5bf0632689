"""``{% history_for obj hidden as entries %}``: an object's change history, staff only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.db import models

from accounts.history import HistoryEntry, history_entries

register = template.Library()


@register.simple_tag(takes_context=True)
def history_for(
    context: template.Context, obj: models.Model, hidden: Iterable[str] | None = None
) -> list[HistoryEntry] | None:
    """None for anyone but bureau staff, so the section is not even rendered for them."""
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_bureau_staff:
        return None
    return history_entries(obj, hidden=hidden or ())
