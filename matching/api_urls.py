"""API routes of matching: /api/matches/, recommendations, notifications, stats."""

from __future__ import annotations

urlpatterns: list[object] = []
