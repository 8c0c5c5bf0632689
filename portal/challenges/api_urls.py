"""API routes of challenge lists and competitions under /api/challenges/."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
