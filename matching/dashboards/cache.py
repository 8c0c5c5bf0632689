"""The dashboards' figures, computed once per scope, filter and language and kept in the
shared cache for ``STATS_CACHE_SECONDS``.

A staff dashboard counts every pair and posting of a jurisdiction through a hundred-odd
queries (0.5–2 s on the demo; more over 100,000 postings), and twenty staff opening it
would each pay that. The figures are kept with the time they were computed (the page
shows it), and any stage change of a pair makes the next request count afresh (a version
number in the cache, raised once the change is committed), so an approval shows at once;
new postings and suggestions show within ``STATS_CACHE_SECONDS`` (plus, when the dashboards
sum facts aggregated ahead, ``STATS_FACTS_SECONDS``: facts.py). ``0`` turns caching off.
When the cache cannot be reached the figures are computed as if there were no cache.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

VERSION_KEY = "stats:version"


def _seconds() -> int:
    return int(getattr(settings, "STATS_CACHE_SECONDS", 0))


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from the old keys'
        cache.set(VERSION_KEY, 1 + int(timezone.now().timestamp()), timeout=None)
    except Exception:  # the cache is down: nothing is served from it either
        logger.warning("stats cache: version not raised", exc_info=True)


def stats_changed(**_kwargs: Any) -> None:
    """A pair changed stage: the next dashboard request counts afresh (after commit, so a
    request in between cannot store the old figures under the new version)."""
    if _seconds():
        transaction.on_commit(_bump)


def cached_figures(*, scope: str, query: str, compute: Callable[[], Any]) -> tuple[Any, Any]:
    """``compute()``'s value for this scope (a jurisdiction, "public") and filter query, and
    when it was computed: from the cache when fresh, else computed now and stored."""
    seconds = _seconds()
    if not seconds:
        return compute(), timezone.now()
    digest = hashlib.sha256(f"{scope}|{query}|{get_language()}".encode()).hexdigest()[:32]
    try:
        key = f"stats:{_version()}:{digest}"
        hit = cache.get(key)
    except Exception:
        logger.warning("stats cache unreachable: computing without it", exc_info=True)
        return compute(), timezone.now()
    if hit is not None:
        return hit
    value = (compute(), timezone.now())
    try:
        cache.set(key, value, timeout=seconds)
    except Exception:
        logger.warning("stats cache: figures not stored", exc_info=True)
    return value
