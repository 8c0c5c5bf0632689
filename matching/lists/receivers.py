"""The lists listen to the registers: a posting published, edited or withdrawn."""

from __future__ import annotations

from typing import Any

from matching.lists.services import document_enqueue


def on_posting_changed(*, kind: str, pk: int, **_kwargs: Any) -> None:
    """Marks the posting stale in the database right away (inside the sender's transaction),
    then enqueues index + lists for it after commit. If the queued task is ever lost, the
    beat task ``requeue_stale_task`` (or ``manage.py requeue_stale``) finds the mark."""
    document_enqueue(kind=kind, pk=pk)
