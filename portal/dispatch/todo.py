"""Dispatch items on the to-do lists (registered in ``DispatchConfig.ready``).

Staff: assigned experts with no visit logged after the round's first-visit days, and visits
the enterprise has not confirmed after a week. Parties (the home page): an expert's
assignments with no visit logged yet, and the visits an enterprise has to confirm."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.pairs.todo import PARTY, TodoGroup, TodoItem
from portal.dispatch import selectors
from portal.dispatch.models import Assignment, Visit

# the first ones a party's home shows of each group (the count says how many in all)
PARTY_SHOWN = 10


def party_dispatch_todos(user: Any) -> list[TodoGroup]:
    """An expert's assignments with no visit logged yet; the visits an enterprise has not
    confirmed. A user with neither gets no group."""
    groups: list[TodoGroup] = []
    to_visit = (
        selectors.my_assignments(user=user)
        .filter(volunteer__expert__user=user)
        .exclude(Exists(Visit.objects.filter(assignment=OuterRef("pk"))))
        .order_by("round__published_at", "pk")
    )
    total = to_visit.count()
    if total:
        rows: list[Assignment] = list(to_visit[:PARTY_SHOWN])
        groups.append(
            TodoGroup(
                "dispatch-to-visit",
                _("待走访的派遣企业"),
                [
                    TodoItem(
                        title=str(a.enterprise.organization),
                        detail=a.round.title,
                        url=reverse("dispatch:visit-log", args=[a.pk]),
                        due=timezone.localdate(a.round.published_at)
                        + dt.timedelta(days=a.round.visit_due_days)
                        if a.round.published_at
                        else None,
                    )
                    for a in rows
                ],
                audience=PARTY,
                url=reverse("dispatch:mine"),
                total=total,
            )
        )
    to_confirm = selectors.visits_to_confirm(user=user).select_related("assignment__round")
    total = to_confirm.count()
    if total:
        groups.append(
            TodoGroup(
                "dispatch-to-confirm",
                _("待确认的专家服务"),
                [
                    TodoItem(
                        title=_("%(expert)s 的服务记录")
                        % {"expert": v.assignment.volunteer.expert},
                        detail=v.assignment.round.title,
                        url=reverse("dispatch:visit-rate", args=[v.pk]),
                        due=v.date,
                    )
                    for v in to_confirm.order_by("date", "pk")[:PARTY_SHOWN]
                ],
                audience=PARTY,
                url=reverse("dispatch:mine") + "#to-confirm",
                total=total,
            )
        )
    return groups


def dispatch_todos(user: Any) -> list[TodoGroup]:
    if not getattr(user, "is_authenticated", False):
        return []
    if getattr(user, "jurisdiction", None) is None:
        return party_dispatch_todos(user)
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
