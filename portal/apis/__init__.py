"""DRF views. Site-wide ones live in site.py; the registers in postings.py and reference.py."""

from __future__ import annotations

from portal.apis.site import MeApi, TokenObtainApi

__all__ = ["MeApi", "TokenObtainApi"]
