"""Each process's in-memory index of a register, kept equal to every other process's.

Built from :class:`DocumentTerms` (the epoch's documents, then the changes since in
their order), then brought up to the stored version change by change.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.conf import settings

from matching.lists import engine_api as adapter
from matching.lists.documents import check_kind, epoch_advance
from matching.models import (
    DocumentTerms,
    IndexState,
)

logger = logging.getLogger(__name__)


@dataclass
class _CachedIndex:
    index: adapter.SparseIndex
    version: int
    generation: str
    epoch: int


_cache: dict[str, _CachedIndex] = {}


_cache_lock = threading.RLock()


def index_cache_clear() -> None:
    """Forget this process's in-memory indexes (tests; a reload happens on next use)."""
    with _cache_lock:
        _cache.clear()


def _stored_state(kind: str) -> tuple[int, str, int]:
    row = IndexState.objects.filter(kind=kind).values_list("version", "generation", "epoch").first()
    return (int(row[0]), str(row[1]), int(row[2])) if row else (0, "", 0)


def stored_epoch(kind: str) -> int:
    cached = _cache.get(kind)
    return cached.epoch if cached is not None else _stored_state(kind)[2]


def rebuild(kind: str) -> _CachedIndex:
    """The index of one register exactly as every other process has it.

    The main segment is the epoch's documents with the terms the epoch was built with, in
    id order, so its statistics come out the same in every process; epoch documents that
    changed or left since are then withdrawn, and the documents added or changed since the
    epoch are added in the order of their changes, as a long-running process applied them.
    """
    documents = DocumentTerms.objects.filter(kind=kind)
    if not documents.filter(in_main=True).exists() and documents.filter(is_active=True).exists():
        epoch_advance(kind=kind, only_if_empty=True)
    version, generation, epoch = _stored_state(kind)
    main = (
        DocumentTerms.objects.filter(kind=kind, in_main=True)
        .order_by("object_id")
        .values_list("object_id", "terms", "main_terms", "facts", "is_active", "version")
    )
    seen = version
    docs = []
    gone: list[str] = []
    for object_id, terms, main_terms, facts, is_active, row_version in main.iterator(
        chunk_size=2000
    ):
        stats = adapter.stats_from_json(main_terms if main_terms is not None else terms)
        docs.append((str(object_id), stats, adapter.facts_from_json(facts)))
        if main_terms is not None or not is_active:
            gone.append(str(object_id))
        seen = max(seen, int(row_version))
    index = adapter.build_index(docs)
    del docs
    for doc_id in gone:
        index.remove(doc_id)
    since = (
        DocumentTerms.objects.filter(kind=kind, is_active=True)
        .exclude(in_main=True, main_terms__isnull=True)
        .order_by("version")
        .values_list("object_id", "terms", "facts", "version")
    )
    for object_id, terms, facts, row_version in since.iterator(chunk_size=2000):
        index.add(str(object_id), adapter.stats_from_json(terms), adapter.facts_from_json(facts))
        seen = max(seen, int(row_version))
    logger.info(
        "matching: built %s index, epoch %d, %d documents, version %d",
        kind,
        epoch,
        len(index),
        seen,
    )
    return _CachedIndex(index, seen, generation, epoch)


def index_for(*, kind: str) -> adapter.SparseIndex:
    """This process's in-memory index of one register, brought up to the stored version.

    Changes since the cached version are applied one by one (add / remove, no rebuild);
    past ``MATCHING_MAX_DELTA`` changes, on a new epoch, or on first use, the index is
    rebuilt from :class:`DocumentTerms`. Either way it holds the same documents with the
    same statistics as in any other process, so every process computes the same scores.
    """
    check_kind(kind)
    with _cache_lock:
        version, generation, _epoch_now = _stored_state(kind)
        cached = _cache.get(kind)
        if cached is not None and cached.generation != generation:
            cached = None
        if cached is not None and cached.version == version:
            return cached.index
        if cached is not None and cached.version < version:
            changed = DocumentTerms.objects.filter(kind=kind, version__gt=cached.version)
            limit = max(int(getattr(settings, "MATCHING_MAX_DELTA", 1000)), len(cached.index) // 5)
            if changed.count() <= limit:
                seen = version
                for row in changed.order_by("version"):
                    if row.is_active:
                        cached.index.add(
                            str(row.object_id),
                            adapter.stats_from_json(row.terms),
                            adapter.facts_from_json(row.facts),
                        )
                    else:
                        cached.index.remove(str(row.object_id))
                    seen = max(seen, row.version)
                cached.version = seen
                return cached.index
        cached = rebuild(kind)
        _cache[kind] = cached
        return cached.index
