"""Browser pages of the three registers (needs, results, experts)."""

from __future__ import annotations

app_name = "registers"

urlpatterns: list[object] = []
