"""Every route of the URL configuration as its pattern text, for the tests that sweep them
all (robustness, CSRF, SQL meta characters): one walk of the resolver instead of one each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(patterns: list[Any], prefix: str) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def all_routes() -> list[str]:
    """Every URL pattern, its includes' prefixes joined (``needs/<int:pk>/``, no leading
    slash), in the configuration's order."""
    return list(_walk(get_resolver().url_patterns, ""))
