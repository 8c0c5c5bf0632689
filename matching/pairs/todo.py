"""Items the programmes add to the to-do lists: for staff (需跟进: overdue milestones of
awarded challenges, competition winners due for follow-up, idle dispatch assignments…) and,
for the parties' home page (工作台), what waits for them (meetings coming up, meeting
requests to answer, visits to log or to confirm).

The pairs must not import the programmes, so each programme registers a source here from
its ``AppConfig.ready``. A source is called with the user and returns the groups for that
user: staff groups (``audience="staff"``) for bureau staff, party groups
(``audience="party"``) for everyone else, or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STAFF = "staff"
PARTY = "party"


@dataclass(frozen=True)
class TodoItem:
    title: str
    detail: str
    url: str
    due: dt.date | dt.datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class TodoGroup:
    key: str
    title: str
    items: list[TodoItem] = field(default_factory=list)
    # who the group is for (STAFF or PARTY), the page listing all of it, and how many
    # there are in all when ``items`` holds only the first ones (None: ``len(items)``)
    audience: str = STAFF
    url: str = ""
    total: int | None = None

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total


TodoSource = Callable[[Any], list[TodoGroup]]
_sources: list[TodoSource] = []


def register(source: TodoSource) -> TodoSource:
    """Add a programme's to-do items (idempotent)."""
    if source not in _sources:
        _sources.append(source)
    return source


def programme_todos(*, user: Any, audience: str | None = None) -> list[TodoGroup]:
    """Every registered source's groups for ``user`` (only ``audience``'s, if given)."""
    groups: list[TodoGroup] = []
    for source in _sources:
        groups.extend(source(user))
    if audience is not None:
        groups = [g for g in groups if g.audience == audience]
    return groups
