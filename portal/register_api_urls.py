"""API routes of the registers: /api/needs/, /api/results/, /api/experts/, reference data."""

from __future__ import annotations

urlpatterns: list[object] = []
