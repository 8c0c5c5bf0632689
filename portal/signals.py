"""What the registers announce to the rest of the portal (the registers import no listener).

``posting_changed`` is sent inside the transaction that published, edited while published,
or withdrew a need, result or expert profile, with ``kind`` ("need", "result", "expert")
and ``pk``. The recommendation lists (matching.lists) listen to it.
"""

from __future__ import annotations

from typing import Literal

from django.dispatch import Signal

PostingKind = Literal["need", "result", "expert"]

posting_changed = Signal()
