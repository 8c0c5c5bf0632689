"""Dispatch items on the staff to-do list (registered in ``DispatchConfig.ready``): assigned
experts with no visit logged after the round's first-visit days, and visits the enterprise
has not confirmed after a week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.pairs.todo import TodoGroup, TodoItem
from portal.dispatch import selectors


def dispatch_todos(user: Any) -> list[TodoGroup]:
    if getattr(user, "jurisdiction", None) is None:
        return []
    idle = [
        TodoItem(
            title=f"{a.volunteer.expert} → {a.enterprise.organization}",
            detail=a.round.title,
            url=reverse("dispatch:detail", args=[a.round_id]) + "#assignments",
            due=timezone.localdate(a.round.published_at) + dt.timedelta(days=a.round.visit_due_days)
            if a.round.published_at
            else None,
            overdue=True,
        )
        for a in selectors.overdue_assignments(user=user)[:100]
    ]
    unconfirmed = [
        TodoItem(
            title=f"{v.assignment.volunteer.expert} → {v.assignment.enterprise.organization}",
            detail=v.assignment.round.title,
            url=reverse("dispatch:ledger", args=[v.assignment.round_id]) + f"#visit-{v.pk}",
            due=v.date,
        )
        for v in selectors.unconfirmed_visits(region_prefix=user.jurisdiction)[:100]
    ]
    return [
        TodoGroup("dispatch-idle", _("派遣后尚未走访的特派员"), idle),
        TodoGroup("dispatch-unconfirmed", _("企业一周未确认的服务记录"), unconfirmed),
    ]
