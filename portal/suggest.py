"""Completions for the search box: technical field names and the registers' frequent
keywords that contain what the user has typed, most frequent first.

The keyword counts are built from published postings once and cached (``SUGGEST_CACHE``
seconds, default 600), so a keystroke costs a dictionary scan, not a table scan."""

from __future__ import annotations

import re
from collections import Counter

from django.conf import settings
from django.core.cache import cache

from portal.models import Expert, Need, PostingStatus, Result, TechField

CACHE_KEY = "portal:suggest:keywords:v1"
_SPLIT = re.compile(r"[，,、;；/|\s]+")
MAX_TERMS = 5000


def _keyword_counts() -> list[tuple[str, int]]:
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return list(cached)
    counts: Counter[str] = Counter()
    for model in (Need, Result, Expert):
        rows = model.objects.filter(status=PostingStatus.PUBLISHED).values_list(
            "keywords", flat=True
        )
        for keywords in rows.iterator(chunk_size=2000):
            for word in _SPLIT.split(keywords or ""):
                word = word.strip()
                if 2 <= len(word) <= 20:
                    counts[word] += 1
    common = counts.most_common(MAX_TERMS)
    cache.set(CACHE_KEY, common, getattr(settings, "SUGGEST_CACHE", 600))
    return common


def suggestions(query: str, *, limit: int = 8) -> list[dict[str, object]]:
    """Up to ``limit`` completions of ``query``: field names first, then keywords by how
    many published postings carry them."""
    query = query.strip()[:30]
    if not query:
        return []
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    fields = TechField.objects.filter(is_active=True, name__icontains=query).order_by("code")[
        :limit
    ]
    for field in fields:
        seen.add(field.name)
        out.append({"text": field.name, "kind": "field", "count": None})
    lowered = query.lower()
    for word, count in _keyword_counts():
        if len(out) >= limit:
            break
        if lowered in word.lower() and word not in seen:
            seen.add(word)
            out.append({"text": word, "kind": "keyword", "count": count})
    return out
