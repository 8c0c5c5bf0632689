"""Chinese full-text search over the registers, with the matching engine's tokeniser.

The services store the jieba tokens of each posting in ``search_tokens`` (space-separated).
PostgreSQL ranks with ``to_tsvector('simple', search_tokens)`` against ``plainto_tsquery`` of
the query's tokens (GIN expression index from migration 0002); other databases fall back to
token-overlap scoring in SQL. Both sit behind :func:`search_queryset`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import F, FloatField, IntegerField, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat, Length, Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Called before every cut. The recommendation lists register the installation of their
# domain dictionary here at start-up (matching.apps), so search and matching cut text alike
# without the registers importing the lists.
before_tokenize: list[Callable[[], object]] = []


def tokenize(text: str) -> list[str]:
    """The matching engine's tokeniser (pure, imported lazily: jieba loads on first use),
    with whatever :data:`before_tokenize` installs first. Used for search box queries and
    for the stored ``search_tokens``, so both are cut alike."""
    from matching.engine.text import tokenize as engine_tokenize

    for prepare in before_tokenize:
        prepare()
    return engine_tokenize(text or "")


def search_tokens_for(*, title: str, keywords: str, body: Iterable[str]) -> str:
    """The text stored in Posting.search_tokens. Title tokens count twice (a ranking boost)."""
    title_tokens = tokenize(title)
    tokens = [*title_tokens, *title_tokens, *tokenize(keywords)]
    for part in body:
        tokens.extend(tokenize(part))
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """Distinct tokens of a search box query, in order."""
    seen: dict[str, None] = {}
    for token in tokenize(query[:500]):
        seen.setdefault(token, None)
    return list(seen)[:20]


def _uses_postgres(qs: QuerySet[Any]) -> bool:
    from django.db import connections

    return connections[qs.db].vendor == "postgresql"


def search_queryset(qs: QuerySet[Any], query: str) -> tuple[QuerySet[Any], list[str]]:
    """Narrow ``qs`` to postings matching every term of ``query``, best first.

    Returns the queryset (annotated with ``search_rank``) and the terms, for highlighting.
    A query without any searchable term leaves ``qs`` unchanged.
    """
    terms = query_terms(query)
    if not terms:
        return qs, []
    if _uses_postgres(qs):
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("search_tokens", config="simple")
        ts_query = SearchQuery(" ".join(terms), config="simple", search_type="plain")
        ranked = (
            qs.alias(search_vector=vector)
            .filter(search_vector=ts_query)
            .annotate(search_rank=SearchRank(vector, ts_query))
            .order_by("-search_rank", "-pk")
        )
        return ranked, terms
    padded = Concat(Value(" "), F("search_tokens"), Value(" "), output_field=TextField())
    qs = qs.alias(search_padded=padded)
    rank: Any = Value(0.0, output_field=FloatField())
    for term in terms:
        needle = f" {term} "
        qs = qs.filter(search_padded__contains=needle)
        occurrences = Cast(
            Length("search_padded") - Length(Replace("search_padded", Value(needle), Value(""))),
            IntegerField(),
        ) / Value(len(needle))
        rank = rank + Cast(occurrences, FloatField())
    return qs.annotate(search_rank=rank).order_by("-search_rank", "-pk"), terms


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, terms: Iterable[str]) -> SafeString:
    """Escape ``text`` and wrap each matched term in <mark>; nothing else is left unescaped."""
    text = text or ""
    pattern = _term_pattern(terms)
    if pattern is None:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def snippet(text: str, terms: Iterable[str], *, width: int = 140) -> SafeString:
    """A highlighted excerpt of ``text`` around the first matched term."""
    text = " ".join((text or "").split())
    terms = list(terms)
    pattern = _term_pattern(terms)
    start = 0
    if pattern is not None:
        match = pattern.search(text)
        if match is not None:
            start = max(0, match.start() - width // 4)
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + highlight(piece, terms) + suffix)  # noqa: S308


def backend_name() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "fallback"
