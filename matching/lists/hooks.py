"""The registers tell the engine about postings through this one function.

Call it inside the transaction that changed the posting; the work is enqueued only after
commit, so a rolled-back change never reaches the index.
"""

from __future__ import annotations

from typing import Literal

PostingKind = Literal["need", "result", "expert"]


def on_posting_changed(*, kind: PostingKind, pk: int) -> None:
    """A posting was published, edited while published, or withdrawn (closed/expired).

    Marks the posting stale in the database right away (inside the caller's transaction),
    then enqueues index + recommend for it after commit. If the queued task is ever lost,
    the beat task ``requeue_stale_task`` (or ``manage.py requeue_stale``) finds the mark and
    enqueues it again.
    """
    from matching.lists.services import document_enqueue

    document_enqueue(kind=kind, pk=pk)
