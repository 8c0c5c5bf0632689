"""Browser pages of the matching engine and match workflow."""

from __future__ import annotations

app_name = "matching"

urlpatterns: list[object] = []
