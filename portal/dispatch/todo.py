"""Dispatch items on the staff to-do list (registered in ``DispatchConfig.ready``): assigned
experts with no visit logged after the round's first-visit days, and visits the enterprise
has not confirmed after a week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from matching.pairs.todo import TodoGroup, TodoItem
from portal.dispatch import selectors
from portal.dispatch.models import Visit


def dispatch_todos(user: Any) -> list[TodoGroup]:
    if getattr(user, "jurisdiction", None) is None:
        return []
    idle = [
        TodoItem(
            title=f"{a.volunteer.expert} → {a.enterprise.organization}",
            detail=a.round.title,
            url="",
            due=timezone.localdate(a.round.published_at) + dt.timedelta(days=a.round.visit_due_days)
            if a.round.published_at
            else None,
            overdue=True,
        )
        for a in selectors.overdue_assignments(user=user)[:100]
    ]
    week_ago = timezone.now() - dt.timedelta(days=7)
    unconfirmed = [
        TodoItem(
            title=f"{v.assignment.volunteer.expert} → {v.assignment.enterprise.organization}",
            detail=v.assignment.round.title,
            url="",
            due=v.date,
        )
        for v in Visit.objects.filter(
            confirmed_at__isnull=True,
            created_at__lt=week_ago,
            assignment__round__region_code__startswith=user.jurisdiction,
        ).select_related(
            "assignment__volunteer__expert",
            "assignment__enterprise__organization",
            "assignment__round",
        )[:100]
    ]
    return [
        TodoGroup("dispatch-idle", _("派遣后尚未走访的特派员"), idle),
        TodoGroup("dispatch-unconfirmed", _("企业一周未确认的服务记录"), unconfirmed),
    ]
