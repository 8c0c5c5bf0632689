"""Items the programmes add to the staff to-do list (需跟进): overdue milestones of awarded
challenges, competition winners due for follow-up, and the like.

The pairs must not import the programmes, so each programme registers a source here from
its ``AppConfig.ready``; the to-do page calls them with the staff member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TodoItem:
    title: str
    detail: str
    url: str
    due: dt.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class TodoGroup:
    key: str
    title: str
    items: list[TodoItem] = field(default_factory=list)


TodoSource = Callable[[Any], list[TodoGroup]]
_sources: list[TodoSource] = []


def register(source: TodoSource) -> TodoSource:
    """Add a programme's to-do items (idempotent)."""
    if source not in _sources:
        _sources.append(source)
    return source


def programme_todos(*, user: Any) -> list[TodoGroup]:
    groups: list[TodoGroup] = []
    for source in _sources:
        groups.extend(source(user))
    return groups
