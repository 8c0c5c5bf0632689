"""The domain user dictionary: one loader shared by matching and the registers' search.

jieba cuts "水资源利用技术" or "石墨烯防腐涂层" into pieces; the portal's own vocabulary should
come out whole. :func:`domain_terms` collects that vocabulary from the database:

- the technology-field taxonomy (:class:`portal.models.TechField` names), split on
  与 / 和 / 及(其) / 、 / commas, keeping pieces of 2-8 characters ("水污染控制与水资源利用技术"
  -> "水污染控制", "水资源利用技术"; a whole name that long is no useful token);
- the keyword fields of published needs, results and experts, split on , ， 、 ; ； | and
  newlines, keeping keywords of 2-12 characters.

Stop words, and Latin/digit-only keywords that the tokeniser keeps whole anyway ("5g",
"mofs"), are left out.

**Versioning.** Every document and every search text must be cut with the same dictionary,
or a query's "石墨烯防腐涂层" will not meet a document's "石墨烯 / 防腐 / 涂层". So the
dictionary does not follow each new keyword as it is published; it moves only when
:func:`dictionary_refresh` runs (the nightly rematch calls it before re-indexing). The
refresh stores a version stamp in the database, an :class:`matching.models.IndexState` row of
kind ``"dictionary"`` whose ``version`` counts the changes and whose ``generation`` holds the
digest of the sorted terms, and puts the terms in the cache under that digest.

:func:`ensure_domain_dictionary` is what the tokenising code paths call first (the matching
adapter before it analyses a document, ``portal.search.tokenize`` for search texts and the
stored ``search_tokens``). It costs a clock read; at most every
``MATCHING_DICTIONARY_CHECK_SECONDS`` (default 30) it reads the stamp (one indexed query)
and, only when the digest differs from the installed one, installs the stored terms with
:func:`matching.engine.text.set_user_terms`. Without a stamp (a fresh database, before the first
refresh) no domain terms are installed: plain jieba, exactly as before.

**What a change makes stale.** Term statistics (``DocumentTerms.terms``) and
``Posting.search_tokens`` were cut with the old dictionary. :func:`dictionary_refresh`
therefore clears ``DocumentTerms.content_hash`` of every row, so the next index pass of
``matching.lists.rematch.rematch_all_start`` (``document_index`` re-tokenises a row whose
content hash differs) cuts every published document again, and :func:`search_tokens_refresh`
rewrites the search tokens. The nightly job runs, in this order::

    if dictionary.dictionary_refresh():      # True when the dictionary moved
        dictionary.search_tokens_refresh()
    rematch.rematch_all_start()

The management command ``match_bench`` never uses this module: it ranks files, not the
portal's data, and stays dictionary-free.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from matching.engine import text

__all__ = [
    "DICTIONARY_KIND",
    "dictionary_digest",
    "dictionary_refresh",
    "domain_terms",
    "ensure_domain_dictionary",
    "installed_digest",
    "search_tokens_refresh",
]

logger = logging.getLogger(__name__)

DICTIONARY_KIND = "dictionary"
"""``IndexState.kind`` of the dictionary's version stamp (no register uses this kind)."""

_CACHE_KEY = "matching:dictionary:{digest}"
_TAXONOMY_SPLIT = re.compile(r"及其|[与和及、,，;；/]+")
_KEYWORD_SPLIT = re.compile(r"[,，、;；|\n\r\t]+")
_PLAIN_MIXED = re.compile(rf"(?:{text._MIXED})")  # kept whole by the tokeniser already
TAXONOMY_PIECE = (2, 8)
KEYWORD_LENGTH = (2, 12)


def _keep(term: str, bounds: tuple[int, int]) -> str | None:
    term = text.normalize(term)
    if not (bounds[0] <= len(term) <= bounds[1]) or " " in term:
        return None
    if term in text.stopwords() or _PLAIN_MIXED.fullmatch(term):
        return None
    return term


def taxonomy_terms(names: Iterable[str]) -> set[str]:
    """Pieces of technology-field names that make useful tokens (2-8 characters)."""
    out = set()
    for name in names:
        for piece in _TAXONOMY_SPLIT.split(name or ""):
            term = _keep(piece, TAXONOMY_PIECE)
            if term:
                out.add(term)
    return out


def keyword_terms(fields: Iterable[str]) -> set[str]:
    """Keywords of the registers' keyword fields (2-12 characters each)."""
    out = set()
    for value in fields:
        for piece in _KEYWORD_SPLIT.split(value or ""):
            term = _keep(piece, KEYWORD_LENGTH)
            if term:
                out.add(term)
    return out


def domain_terms() -> set[str]:
    """The domain vocabulary as the database holds it now (taxonomy + published keywords)."""
    from portal.models import Expert, Need, PostingStatus, Result, TechField

    terms = taxonomy_terms(TechField.objects.filter(is_active=True).values_list("name", flat=True))
    for model in (Need, Result, Expert):
        keywords = (
            model.objects.filter(status=PostingStatus.PUBLISHED)
            .exclude(keywords="")
            .values_list("keywords", flat=True)
        )
        terms |= keyword_terms(keywords.iterator(chunk_size=2000))
    return terms


def dictionary_digest(terms: Iterable[str]) -> str:
    """A stable digest of a term set (32 hex characters)."""
    payload = "\n".join(sorted(set(terms))).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:32]


# ---------------------------------------------------------------------------- this process


@dataclass
class _Installed:
    digest: str | None = None  # None: no domain terms installed
    version: int = 0
    checked_at: float = float("-inf")


_installed = _Installed()
_clock = time.monotonic
_lock = threading.RLock()


def installed_digest() -> str | None:
    """Digest of the dictionary installed in this process (None: none)."""
    return _installed.digest


def _check_seconds() -> float:
    return float(getattr(settings, "MATCHING_DICTIONARY_CHECK_SECONDS", 30))


def _stored_stamp() -> tuple[int, str] | None:
    from matching.models import IndexState

    with transaction.atomic():  # a savepoint: a failed read never breaks the caller's
        row = (
            IndexState.objects.filter(kind=DICTIONARY_KIND)
            .values_list("version", "generation")
            .first()
        )
    return (int(row[0]), str(row[1])) if row else None


def _stored_terms(digest: str) -> list[str]:
    terms = cache.get(_CACHE_KEY.format(digest=digest))
    if terms is None:
        # evicted (or another machine's cache): rebuild from the database
        fresh = domain_terms()
        if dictionary_digest(fresh) != digest:
            logger.warning(
                "matching: dictionary %s not in the cache and the database has moved on; "
                "installing the current terms until the next refresh",
                digest,
            )
        terms = sorted(fresh)
        cache.set(_CACHE_KEY.format(digest=digest), terms, timeout=None)
    return list(terms)


def ensure_domain_dictionary(*, force: bool = False) -> str | None:
    """Install the stored domain dictionary in this process if it is not installed yet.

    Cheap enough for every tokenising call: between checks (``MATCHING_DICTIONARY_CHECK_
    SECONDS``) it returns at once; a check is one small query, and the terms are installed
    only when the stored digest differs from this process's. Never raises: if the stamp
    cannot be read (no database, no table yet) the current dictionary stays. Returns the
    installed digest.
    """
    now = _clock()
    if not force and now - _installed.checked_at < _check_seconds():
        return _installed.digest
    with _lock:
        if not force and now - _installed.checked_at < _check_seconds():
            return _installed.digest
        _installed.checked_at = now
        try:
            stamp = _stored_stamp()
            if stamp is None:
                if _installed.digest is not None:
                    text.set_user_terms(())
                    _installed.digest, _installed.version = None, 0
                return None
            version, digest = stamp
            if digest != _installed.digest:
                terms = _stored_terms(digest)
                text.set_user_terms(terms)
                _installed.digest, _installed.version = digest, version
                logger.info(
                    "matching: domain dictionary v%d installed (%d terms)", version, len(terms)
                )
        except Exception:  # tokenising must go on with the current dictionary
            logger.warning("matching: domain dictionary check failed", exc_info=True)
        return _installed.digest


def reset_process_state() -> None:
    """Forget what this process installed and take the domain terms out (tests)."""
    with _lock:
        text.set_user_terms(())
        _installed.digest, _installed.version = None, 0
        _installed.checked_at = float("-inf")


# ---------------------------------------------------------------------------- refresh


def dictionary_refresh(*, mark_stale: bool = True) -> bool:
    """Rebuild the dictionary from the database and move the stored stamp if it changed.

    Returns True when the dictionary moved (or was created). Then, with ``mark_stale``,
    every ``DocumentTerms`` row's content hash is cleared, so the next rematch index pass
    re-tokenises every published document (no ``stale`` flag is set: the nightly rematch
    does the work, not the per-document queue). Call :func:`search_tokens_refresh` after
    it for the search tokens. This process installs the new dictionary at once; the others
    do within ``MATCHING_DICTIONARY_CHECK_SECONDS``.
    """
    from django.db.models import F

    from matching.models import DocumentTerms, IndexState

    terms = domain_terms()
    digest = dictionary_digest(terms)
    with transaction.atomic():
        row, created = IndexState.objects.select_for_update().get_or_create(
            kind=DICTIONARY_KIND, defaults={"version": 1, "generation": digest}
        )
        if not created and row.generation == digest:
            moved = False
        else:
            moved = True
            if not created:
                IndexState.objects.filter(pk=row.pk).update(
                    version=F("version") + 1, generation=digest
                )
            cache.set(_CACHE_KEY.format(digest=digest), sorted(terms), timeout=None)
            if mark_stale:
                DocumentTerms.objects.exclude(content_hash="").update(content_hash="")
    if moved:
        logger.info("matching: domain dictionary moved to %s (%d terms)", digest, len(terms))
        ensure_domain_dictionary(force=True)
    return moved


def search_tokens_refresh(*, batch: int = 500) -> int:
    """Rewrite ``search_tokens`` of every posting with the installed dictionary.

    What a dictionary change needs besides the rematch; run after
    :func:`dictionary_refresh` returned True. Returns the number of postings rewritten.
    """
    from portal.services import postings

    ensure_domain_dictionary(force=True)
    return postings.search_tokens_refresh(batch=batch)
