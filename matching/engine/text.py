"""Text layer of the matching engine: normalise, segment, count terms.

Pure Python (jieba), no Django. Everything the index and scorer see comes out of
:func:`tokenize`, so the bench command, the workers and the search box share one tokeniser.

- :func:`normalize` folds full-width forms (NFKC), lower-cases, removes HTML tags and
  entities and collapses whitespace.
- :func:`tokenize` protects mixed alphanumeric spans ("mil-101(cr)", "100kw", "5g", "mofs")
  and user terms that jieba cannot keep whole (terms with Latin letters, digits or
  punctuation), cuts the rest with jieba (precise mode, HMM on) and drops stop words and
  punctuation.
- :func:`set_user_terms` / :func:`add_user_terms` change the domain dictionary at run time
  (from the field taxonomy and the registers' keyword fields).

jieba is loaded lazily, once per process, behind a lock. We keep our own
``jieba.Tokenizer`` instance so that changing the domain dictionary never changes what other
code calling ``jieba.lcut`` gets.

Why no rjieba accelerator: rjieba 0.2.2 has no user-dictionary API, so the domain terms would
silently stop being cut whole; bulk builds instead use :func:`analyze_many` with worker
processes, which gives the same tokens as the single-process path.
"""

from __future__ import annotations

import html
import itertools
import logging
import os
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

__all__ = [
    "FIELDS",
    "TermStats",
    "add_user_terms",
    "analyze",
    "analyze_iter",
    "analyze_many",
    "field_counts",
    "load",
    "normalize",
    "set_user_terms",
    "stopwords",
    "term_stats",
    "tokenize",
    "user_terms",
]

FIELDS: tuple[str, ...] = ("title", "keywords", "body")

_STOPWORDS_PATH = Path(__file__).with_name("data") / "stopwords.txt"

_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"\s+")
# A token must hold at least one letter, digit or CJK character; punctuation is dropped.
_WORDLIKE = re.compile(r"\w")
# Mixed alphanumeric spans kept whole: a run of Latin letters/digits, optionally joined by
# "-", ".", "_", "+", "@", "#", "&" to further runs, optionally ending in one parenthesised
# run. Matches "mil-101(cr)", "100kw", "5g", "mofs", "fe3o4@sio2", "li-ion", "3.5", "c++".
_MIXED = r"[a-z0-9]+(?:[-._+@#&][a-z0-9]+)*(?:\([a-z0-9]+\))?\+*"

_lock = threading.RLock()
_tokenizer: jieba.Tokenizer | None = None
_stopwords: frozenset[str] | None = None
# user terms currently installed, term -> the jieba frequency the term had before we set it
# (None: the term was not a word of jieba's dictionary), so replacing the set can undo it.
_user_terms: dict[str, int | None] = {}
_protect_re: re.Pattern[str] = re.compile(_MIXED)


def normalize(text: str) -> str:
    """Fold a text to the form every later step expects.

    HTML tags and entities go first (so "&lt;" never becomes a tag), then NFKC turns
    full-width letters, digits and punctuation into ASCII ones ("ＭＯＦｓ（Ｃｒ）" ->
    "MOFs(Cr)"), then lower-case, then whitespace runs become one space.
    """
    if not text:
        return ""
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    return _SPACE.sub(" ", text).strip()


def stopwords() -> frozenset[str]:
    """The stop-word set (matching/data/stopwords.txt), loaded once."""
    global _stopwords
    if _stopwords is None:
        with _lock:
            if _stopwords is None:
                words = set()
                for line in _STOPWORDS_PATH.read_text(encoding="utf-8").splitlines():
                    word = line.split("#", 1)[0].strip()
                    if word:
                        words.add(normalize(word))
                _stopwords = frozenset(words)
    return _stopwords


def load() -> jieba.Tokenizer:
    """Load the jieba dictionary now (once per process) and return our tokenizer instance.

    Call it before a worker forks so the children share the loaded dictionary.
    """
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                stopwords()
                _tokenizer = tok
    return _tokenizer


def _needs_protection(term: str) -> bool:
    """True for a term jieba's dictionary cannot keep whole (anything but Han characters)."""
    return any(not ("\u4e00" <= ch <= "\u9fff") for ch in term)


def _rebuild_protect_re() -> None:
    global _protect_re
    special = sorted((t for t in _user_terms if _needs_protection(t)), key=len, reverse=True)
    if special:
        # longest first, so "5g基站" wins over "5g"
        alternation = "|".join(re.escape(t) for t in special)
        _protect_re = re.compile(f"(?:{alternation})|{_MIXED}")
    else:
        _protect_re = re.compile(_MIXED)


def _install(tok: jieba.Tokenizer, term: str) -> None:
    if term in _user_terms:
        return
    old = tok.FREQ.get(term)
    _user_terms[term] = old or None
    if not _needs_protection(term):
        # a frequency high enough that jieba cuts the term whole (jieba's suggest_freq)
        freq = max(tok.suggest_freq(term, False), old or 0)
        tok.total += freq - (old or 0)
        tok.FREQ[term] = freq
        for end in range(1, len(term)):
            tok.FREQ.setdefault(term[:end], 0)


def _uninstall(tok: jieba.Tokenizer, term: str) -> None:
    old = _user_terms.pop(term)
    if _needs_protection(term):
        return
    current = tok.FREQ.get(term, 0)
    # Restore directly instead of jieba's del_word: del_word also registers a global
    # "force split" in jieba's HMM, which would change how every tokenizer cuts the term.
    tok.FREQ[term] = old or 0
    tok.total += (old or 0) - current


def _clean_terms(terms: Iterable[str]) -> set[str]:
    cleaned = set()
    for term in terms:
        norm = normalize(term or "")
        # a term is one unit: no spaces, at least one word character, a sane length
        if norm and " " not in norm and _WORDLIKE.search(norm) and len(norm) <= 40:
            cleaned.add(norm)
    return cleaned


def add_user_terms(terms: Iterable[str]) -> None:
    """Add domain terms (field names, register keywords) so they come out as one token."""
    tok = load()
    with _lock:
        for term in _clean_terms(terms):
            _install(tok, term)
        _rebuild_protect_re()


def set_user_terms(terms: Iterable[str]) -> None:
    """Replace the whole domain dictionary: terms not in ``terms`` are taken out again."""
    tok = load()
    with _lock:
        wanted = _clean_terms(terms)
        for term in list(_user_terms):
            if term not in wanted:
                _uninstall(tok, term)
        for term in wanted:
            _install(tok, term)
        _rebuild_protect_re()


def user_terms() -> frozenset[str]:
    """The domain terms currently installed (normalised)."""
    return frozenset(_user_terms)


# jieba's HMM for unknown words copies its path at every character, so a run of thousands
# of characters with no punctuation costs quadratic time (100,000 took 27 s). Pieces are cut
# at a punctuation mark or a space where possible (jieba splits there anyway, so the tokens
# do not change), and hard only in a run longer than this.
_MAX_RUN = 1000
_SOFT_BREAK = re.compile(r"[\s，。！？；：、,.!?;:()（）]")


def _pieces(text: str) -> list[str]:
    if len(text) <= _MAX_RUN:
        return [text]
    pieces = []
    while len(text) > _MAX_RUN:
        cut = _MAX_RUN
        for match in _SOFT_BREAK.finditer(text, _MAX_RUN // 2, _MAX_RUN):
            cut = match.end()
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def _cut(tok: jieba.Tokenizer, text: str) -> list[str]:
    out: list[str] = []
    for piece in _pieces(text):
        out.extend(tok.lcut(piece))
    return out


def _segment(text: str, tok: jieba.Tokenizer, protect: re.Pattern[str]) -> list[str]:
    out: list[str] = []
    pos = 0
    for match in protect.finditer(text):
        if match.start() > pos:
            out.extend(_cut(tok, text[pos : match.start()]))
        out.append(match.group())
        pos = match.end()
    if pos < len(text):
        out.extend(_cut(tok, text[pos:]))
    return out


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Normalise and cut a text into index terms, in order, duplicates kept.

    Never raises on odd input: empty, whitespace, punctuation-only, emoji or very long texts
    give a (possibly empty) list.
    """
    norm = normalize(text)
    if not norm:
        return []
    tok = load()
    stop = frozenset() if keep_stopwords else stopwords()
    tokens = []
    for raw in _segment(norm, tok, _protect_re):
        term = raw.strip()
        if term and term not in stop and _WORDLIKE.search(term):
            tokens.append(term)
    return tokens


@dataclass
class TermStats:
    """Per-field term counts of one document: what the Django side stores and feeds back.

    ``fields`` maps a field name ("title", "keywords", "body") to {term: count}.
    ``length`` is the number of tokens per field. Plain types only, JSON round-trips with
    :meth:`to_dict` / :meth:`from_dict`.
    """

    fields: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {name: dict(counts) for name, counts in self.fields.items() if counts}

    @classmethod
    def from_dict(cls, data: dict[str, dict[str, int]] | None) -> TermStats:
        return cls(
            fields={str(k): {str(t): int(c) for t, c in v.items()} for k, v in (data or {}).items()}
        )

    def is_empty(self) -> bool:
        return not any(self.fields.values())


PHRASE_SEP = " "
"""Joins two adjacent tokens into a phrase term ("光催化 降解"); tokens never hold a space."""

_KEYWORD_SPLIT = re.compile(r"[,;、|/\n]+")


def _counts(tokens: Sequence[str], into: Counter[str]) -> None:
    """Count the tokens and their adjacent pairs (phrase terms: they reward exact wording)."""
    into.update(tokens)
    into.update(f"{a}{PHRASE_SEP}{b}" for a, b in itertools.pairwise(tokens))


def field_counts(text: str, *, keywords: bool = False) -> dict[str, int]:
    """Term and phrase counts of one field's text.

    For a keyword field the text is split on separators first, so no phrase spans two
    keywords.
    """
    counts: Counter[str] = Counter()
    if not text:
        return {}
    parts = _KEYWORD_SPLIT.split(normalize(text)) if keywords else [text]
    for part in parts:
        _counts(tokenize(part), counts)
    return dict(counts)


def term_stats(*, title: str = "", keywords: Iterable[str] | str = (), body: str = "") -> TermStats:
    """Count terms per field for one document (title, keyword list, body text)."""
    kw_text = keywords if isinstance(keywords, str) else "；".join(k for k in keywords if k)
    return analyze({"title": title or "", "keywords": kw_text or "", "body": body or ""})


def analyze(texts: dict[str, str]) -> TermStats:
    """Count terms per field for a {field: text} mapping (unknown field names are kept)."""
    fields: dict[str, dict[str, int]] = {}
    for name, text in texts.items():
        counts = field_counts(text or "", keywords=(name == "keywords"))
        if counts:
            fields[name] = counts
    return TermStats(fields=fields)


def analyze_iter(
    docs: Iterable[dict[str, str]], *, processes: int | None = None, chunk: int = 256
) -> Iterator[TermStats]:
    """:func:`analyze` for a stream of documents, in order; with ``processes`` > 1 in
    forked worker processes.

    Bulk (re)builds and the bench use it, feeding the results straight into
    ``SparseIndex.build`` so no list of all documents' statistics is ever held. The workers
    are forked after :func:`load`, so they share the loaded dictionary and the current user
    terms and return exactly what :func:`analyze` returns in this process.
    """
    load()
    if processes is None:
        processes = int(os.environ.get("DUIJIE_TOKENIZE_PROCESSES", "1"))
    if processes <= 1:
        for doc in docs:
            yield analyze(doc)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes) as pool:
        yield from pool.imap(analyze, docs, chunksize=chunk)


def analyze_many(
    docs: Sequence[dict[str, str]], *, processes: int | None = None
) -> list[TermStats]:
    """:func:`analyze_iter` collected into a list (small batches: one process)."""
    if len(docs) < 2000:
        processes = 1
    return list(analyze_iter(docs, processes=processes))
