"""The one place the Django side touches the pure engine (text, index, scoring, engine).

Services, tasks and views import the engine only through these functions, so a change of
the engine's API changes this file and nothing else. No ORM here either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from matching.engine import recommend as engine
from matching.engine import text
from matching.engine.facts import Facts
from matching.engine.index import IndexParams, SparseIndex
from matching.engine.scoring import DEFAULT_WEIGHTS, WEIGHT_DOCS, Weights, weights_from
from matching.engine.text import TermStats

__all__ = [
    "DEFAULT_WEIGHTS",
    "WEIGHT_DOCS",
    "EngineMatch",
    "Facts",
    "SparseIndex",
    "TermStats",
    "Weights",
    "add_user_terms",
    "analyze",
    "build_index",
    "facts_from_json",
    "facts_to_json",
    "load_tokenizer",
    "recommend",
    "stats_from_json",
    "stats_to_json",
    "token_count",
    "weights_from",
]

EngineMatch = engine.Match


def load_tokenizer() -> None:
    """Load jieba once in this process (idempotent; call before a worker forks)."""
    text.load()


def add_user_terms(terms: Iterable[str]) -> None:
    """Domain terms that must come out of the tokeniser as one token."""
    text.add_user_terms(terms)


def analyze(*, title: str, keywords: Iterable[str], body: str) -> TermStats:
    """Per-field term statistics of one document (the only tokenisation a document gets),
    cut with the portal's domain dictionary (:mod:`matching.dictionary`)."""
    from matching.lists.dictionary import ensure_domain_dictionary

    ensure_domain_dictionary()
    return text.term_stats(title=title, keywords=list(keywords), body=body)


def stats_to_json(stats: TermStats) -> dict[str, dict[str, int]]:
    return stats.to_dict()


def stats_from_json(data: Mapping[str, Mapping[str, int]] | None) -> TermStats:
    return TermStats.from_dict({k: dict(v) for k, v in (data or {}).items()})


def token_count(stats: TermStats) -> int:
    """Single tokens in the document (phrase terms, which hold a space, are not counted)."""
    return sum(
        count
        for counts in stats.fields.values()
        for term, count in counts.items()
        if text.PHRASE_SEP not in term
    )


def facts_to_json(facts: Facts) -> dict[str, Any]:
    data = dataclasses.asdict(facts)
    data["fields"] = list(facts.fields)
    data["cooperation"] = list(facts.cooperation)
    return data


def facts_from_json(data: Mapping[str, Any] | None) -> Facts | None:
    if not data:
        return None
    known = {f.name for f in dataclasses.fields(Facts)}
    values = {k: v for k, v in data.items() if k in known}
    for key in ("fields", "cooperation"):
        if key in values:
            values[key] = tuple(values[key] or ())
    return Facts(**values)


# The service's indexes never merge on their own: a merge refits the statistics, so two
# processes would score differently. Statistics move only with the epoch (a full rematch).
SERVICE_PARAMS = IndexParams(auto_merge=False)


def build_index(docs: Iterable[tuple[str, TermStats, Facts | None]]) -> SparseIndex:
    return SparseIndex.build(docs, SERVICE_PARAMS)


def recommend(
    index: SparseIndex,
    query: TermStats,
    *,
    facts: Facts | None,
    k: int,
    weights: Weights | Mapping[str, Any] | None = None,
    exclude: Collection[str] = (),
    include: Collection[str] = (),
    min_evidence: bool = False,
) -> list[engine.Match]:
    """Top-k of ``index`` for one query document, best first, each with its explanation;
    then the ``include`` ids outside the top k, scored alike. ``min_evidence``: the top k
    leave out pairs short of the minimum evidence (an ``include`` id comes back either way:
    see ``Match.enough_evidence``)."""
    if len(index) == 0:
        return []
    return engine.recommend(
        index,
        query,
        facts=facts,
        k=k,
        weights=weights,
        exclude=exclude,
        include=include,
        min_evidence=min_evidence,
    )
