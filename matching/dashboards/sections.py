"""Tables the programmes (meetings, challenge lists, dispatch) add to the dashboard and its
Excel export.

The dashboards live beside the pairs and must not import the programmes (programmes depend
on pairs, never the reverse), so each programme registers a function here from its
``AppConfig.ready``; the dashboard calls them with the viewing user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matching.dashboards.export import Table

TableSource = Callable[[Any], list[Table]]
_sources: list[TableSource] = []


def register(source: TableSource) -> TableSource:
    """Add a programme's tables (idempotent, so a re-run ``ready`` adds nothing)."""
    if source not in _sources:
        _sources.append(source)
    return source


def programme_tables(*, user: Any) -> list[Table]:
    """Every registered programme's tables for this user, in registration order."""
    tables: list[Table] = []
    for source in _sources:
        tables.extend(source(user))
    return tables
