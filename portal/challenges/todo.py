"""The challenge lists' and competitions' items on the staff to-do list (registered in
``ChallengesConfig.ready`` with :mod:`matching.pairs.todo`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from matching.pairs.todo import TodoGroup, TodoItem
from portal.challenges import selectors


def challenge_todos(user: Any) -> list[TodoGroup]:
    # staff only: the lead units hear of their milestones by the reminders
    if getattr(user, "jurisdiction", None) is None:
        return []
    milestones = [
        TodoItem(
            title=f"{m.entry.title} · {m.get_kind_display()}",
            detail=f"{m.entry.programme.title} · {m.entry.lead}",
            url=m.entry.programme.get_absolute_url(),
            due=m.due_date,
            overdue=True,
        )
        for m in selectors.overdue_milestones(user=user)[:100]
    ]
    follow_ups = [
        TodoItem(
            title=entry.title,
            detail=f"{entry.programme.title} · {entry.lead}",
            url=entry.programme.get_absolute_url(),
            due=entry.follow_up_due,
        )
        for entry in selectors.follow_ups_due(user=user)[:100]
    ]
    return [
        TodoGroup("milestones", _("逾期的揭榜实施节点"), milestones),
        TodoGroup("follow-ups", _("到期的大赛获奖项目跟踪"), follow_ups),
    ]
