"""Scores: text similarity plus structured factors, with plain types in and out (no ORM).

A candidate's score is

    lexical x weights.lexical          BM25 / the query's best BM25, in [0, 1]
  + topic   x weights.topic            cosine in the corpus' LSA space, towards the query
                                       and its best matches (pseudo-relevance feedback)
  + sum over factors of weight x (2 x value - 1)

where each structured factor's value is in [0, 1] and adds between -weight and +weight;
a factor is neutral (adds 0) when the query or the document lacks the fact. Everything is
computed for all candidates of a query at once with numpy; there is no per-pair loop.

``MATCHING_WEIGHTS`` in the Django settings is a dict with the keys of :data:`DEFAULT_WEIGHTS`
(any subset); :func:`weights_from` turns it into :class:`Weights`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from matching.engine.facts import Facts, FactTable

__all__ = [
    "DEFAULT_WEIGHTS",
    "FACTORS",
    "WEIGHT_DOCS",
    "Weights",
    "combine",
    "factor_values",
    "weights_from",
]

FACTORS: tuple[str, ...] = ("field", "region", "maturity", "cooperation", "budget", "capacity")


@dataclass(frozen=True)
class Weights:
    """Score weights and the query-time knobs of the text model (see :data:`WEIGHT_DOCS`)."""

    lexical: float = 1.0
    topic: float = 1.0
    field: float = 0.3
    region: float = 0.1
    maturity: float = 0.15
    cooperation: float = 0.1
    budget: float = 0.15
    capacity: float = 0.1
    candidates: int = 300
    feedback_docs: int = 2
    query_topic_weight: float = 0.5
    explain_terms: int = 8


DEFAULT_WEIGHTS: dict[str, float | int] = asdict(Weights())

WEIGHT_DOCS: dict[str, str] = {
    "lexical": "BM25 over title/keywords/body (field-weighted) and adjacent-word phrases, "
    "divided by the query's best BM25 score, so the best lexical match has 1.",
    "topic": "cosine (-1..1, mostly 0..1) between the document's LSA topic vector and the "
    "query's topic direction (its own vector x query_topic_weight + its feedback_docs best "
    "lexical matches); pulls same-field documents up.",
    "field": "field codes: share of hierarchy levels in common (best pair of codes).",
    "region": "region codes: share of levels (province / city / county) in common.",
    "maturity": "1 if the result is at least as mature as the need expects, "
    "falling by 1/4 per level short.",
    "cooperation": "share of the need's wanted cooperation modes the document offers.",
    "budget": "1 if the asking price fits the budget, else budget / price.",
    "capacity": "an expert's capacity left (0..1); query-independent.",
    "candidates": "how many best lexical matches per query are re-scored.",
    "feedback_docs": "how many best lexical matches form the topic direction (0: off).",
    "query_topic_weight": "weight of the query's own topic vector in that direction.",
    "explain_terms": "how many shared terms an explanation lists.",
}


def weights_from(value: Weights | Mapping[str, Any] | None) -> Weights:
    """:class:`Weights` from a settings dict (missing keys keep their default)."""
    if value is None:
        return Weights()
    if isinstance(value, Weights):
        return value
    known = {f.name: f.type for f in fields(Weights)}
    unknown = set(value) - set(known)
    if unknown:
        raise ValueError(f"unknown matching weight(s): {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        default = DEFAULT_WEIGHTS[key]
        cleaned[key] = int(item) if isinstance(default, int) else float(item)
    return Weights(**cleaned)


def _code_match(query_codes: np.ndarray, doc_codes: np.ndarray) -> np.ndarray:
    """Share of the query code's levels a document code shares, best over code pairs.

    ``query_codes``: (q, LEVELS) ints; ``doc_codes``: (n, slots, LEVELS) ints, -1 = none.
    Returns (n,) values in [0, 1], NaN where the document has no code.
    """
    n = doc_codes.shape[0]
    doc_has = (doc_codes[:, :, 0] >= 0).any(axis=1)
    best = np.zeros(n, dtype=np.float32)
    for code in query_codes:
        depth = int((code != -1).sum())
        if depth == 0:
            continue
        # levels match from the top down; a mismatch at one level ends the run
        same = (doc_codes == code[None, None, :]) & (code[None, None, :] != -1)
        run = np.cumprod(same, axis=2).sum(axis=2)  # (n, slots)
        best = np.maximum(best, run.max(axis=1).astype(np.float32) / depth)
    return np.where(doc_has, best, np.nan).astype(np.float32)


def factor_values(table: FactTable, rows: np.ndarray, query: Facts | None) -> dict[str, np.ndarray]:
    """Each factor's value in [0, 1] for the candidate rows; NaN where it is unknown."""
    n = rows.shape[0]
    unknown = np.full(n, np.nan, dtype=np.float32)
    values = dict.fromkeys(FACTORS, unknown)
    if query is None and not table.any_facts():
        return values
    enc = table.encode_query(query)
    q_fields = enc["fields"]
    if isinstance(q_fields, np.ndarray) and q_fields.shape[0]:
        values["field"] = _code_match(q_fields, table.fields[rows])
    q_region = enc["region"]
    if isinstance(q_region, np.ndarray) and (q_region != -1).any():
        values["region"] = _code_match(q_region[None, :], table.region[rows][:, None, :])
    expected = float(enc["maturity"])
    if not math.isnan(expected):
        level = table.maturity[rows]
        values["maturity"] = np.clip(1.0 - np.maximum(expected - level, 0.0) / 4.0, 0.0, 1.0)
    if enc["cooperation_given"]:
        wanted = int(enc["cooperation"])
        offered = table.cooperation[rows]
        has = offered != 0
        wanted_bits = [bit for bit in range(63) if wanted >> bit & 1]
        common = np.zeros(n, dtype=np.float32)
        for bit in wanted_bits:
            common += ((offered >> bit) & 1).astype(np.float32)
        share = common / max(len(wanted_bits), 1)
        values["cooperation"] = np.where(has, share, np.nan).astype(np.float32)
    budget = float(enc["budget"])
    if not math.isnan(budget):
        price = table.price[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            fit = np.where(price <= budget, 1.0, budget / np.maximum(price, 1e-9))
        values["budget"] = np.where(np.isnan(price), np.nan, np.clip(fit, 0.0, 1.0)).astype(
            np.float32
        )
    values["capacity"] = table.capacity[rows]
    return values


def combine(
    lexical: np.ndarray,
    topic: np.ndarray,
    factors: Mapping[str, np.ndarray],
    weights: Weights,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Total score per candidate and each part's contribution (same length arrays)."""
    parts: dict[str, np.ndarray] = {
        "lexical": weights.lexical * lexical,
        "topic": weights.topic * topic,
    }
    total = parts["lexical"] + parts["topic"]
    for name in FACTORS:
        value = factors.get(name)
        weight = float(getattr(weights, name))
        if value is None:
            continue
        if weight == 0:  # switched off: explained as contributing nothing
            parts[name] = np.zeros(len(value), dtype=np.float32)
            continue
        contribution = np.where(np.isnan(value), 0.0, weight * (2.0 * value - 1.0))
        parts[name] = contribution.astype(np.float32)
        total = total + parts[name]
    return total.astype(np.float32), parts
