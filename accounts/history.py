"""Change history (django-simple-history) read out for staff: who changed what, old → new.

The history tables hold every field of every version; this module turns consecutive versions
into readable rows and leaves out what a page's viewer may not see (the ``hidden`` names the
page already hides, e.g. a need's confidential fields for staff of another region).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

# Stamps that change with every save say nothing a reader needs.
SKIPPED_FIELDS = frozenset({"id", "updated_at", "created_at"})
HISTORY_LIMIT = 50
VALUE_CHARS = 60


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)


def _format(model_field: models.Field[Any, Any], value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    related_model = model_field.related_model
    if model_field.is_relation and isinstance(related_model, type):
        related = related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "Y-m-d")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, list):
        labels = dict(getattr(model_field.model, "CONFIDENTIAL_CHOICES", []))
        return "、".join(str(labels.get(item, item)) for item in value) or "—"
    return Truncator(str(value)).chars(VALUE_CHARS)


def _who(record: Any) -> str:
    user = record.history_user
    return str(user) if user is not None else _("系统")


def _changes(
    model: type[models.Model], new: Any, old: Any, hidden: Collection[str]
) -> list[FieldChange]:
    delta = new.diff_against(old)
    rows = []
    for change in delta.changes:
        if change.field in SKIPPED_FIELDS or change.field in hidden:
            continue
        model_field = model._meta.get_field(change.field)
        assert isinstance(model_field, models.Field)
        rows.append(
            FieldChange(
                label=str(model_field.verbose_name),
                old=_format(model_field, change.old),
                new=_format(model_field, change.new),
            )
        )
    return rows


def history_entries(
    obj: models.Model, *, hidden: Iterable[str] = (), limit: int = HISTORY_LIMIT
) -> list[HistoryEntry]:
    """The newest ``limit`` versions of ``obj``, newest first, each against the one before.

    Saves that changed only skipped or hidden fields are left out, so a viewer cannot learn
    even when a hidden field was edited.
    """
    hidden_names = frozenset(hidden)
    if hidden_names:
        # Which fields are confidential is itself part of what is kept from this viewer.
        hidden_names |= {"confidential_fields"}
    model = type(obj)
    # One extra version, so the oldest one shown has its predecessor to compare with.
    records = list(
        obj.history.select_related("history_user").order_by(  # type: ignore[attr-defined]
            "-history_date", "-history_id"
        )[: limit + 1]
    )
    entries = []
    changes: list[FieldChange]
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        if record.history_type == "+":
            action, changes = _("创建"), []
        elif previous is None:
            # Rows older than the history tables have no creation record.
            action, changes = _("最早的记录"), []
        elif record.history_type == "-":
            action, changes = _("删除"), []
        else:
            changes = _changes(model, record, previous, hidden_names)
            if not changes:
                continue
            action = _("修改")
        entries.append(
            HistoryEntry(when=record.history_date, who=_who(record), action=action, changes=changes)
        )
    return entries
