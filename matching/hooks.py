"""The registers tell the engine about postings through this one function.

Call it inside the transaction that changed the posting; the work is enqueued only after
commit, so a rolled-back change never reaches the index.
"""

from __future__ import annotations

from typing import Literal

PostingKind = Literal["need", "result", "expert"]


def on_posting_changed(*, kind: PostingKind, pk: int) -> None:
    """A posting was published, edited while published, or withdrawn (closed/expired)."""
    # Wired to the index + recommend task by the matching integration.
    return None
