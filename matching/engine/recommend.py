"""The recommend layer: an index and a query document in, top-k matches with explanations out.

Pure functions over :class:`matching.engine.index.SparseIndex`; no Django, no I/O. The worker
that handles a newly posted need calls :func:`recommend`; rematches and the bench call
:func:`recommend_batch`, which gives the same scores with one sparse product per chunk of
queries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching.engine.evidence import Evidence, enough_evidence, evidence_of
from matching.engine.facts import Facts
from matching.engine.index import Candidates, QueryVector, SparseIndex
from matching.engine.scoring import Weights, combine, factor_values, weights_from
from matching.engine.text import TermStats

__all__ = ["Match", "candidates_batch", "recommend", "recommend_batch"]


@dataclass
class Match:
    """One recommended document: its id, total score and a JSON-serialisable explanation."""

    doc_id: str
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)
    # True for a document asked for with ``include`` that is not in the top k
    extra: bool = False
    # what links it to the query, when asked for (``min_evidence``); see enough_evidence
    evidence: Evidence | None = None

    @property
    def enough_evidence(self) -> bool:
        """False only for a match whose evidence was weighed and found short."""
        return self.evidence is None or enough_evidence(self.evidence)


def _mask(
    index: SparseIndex, restrict_to: Collection[str] | None, exclude: Collection[str]
) -> np.ndarray | None:
    if restrict_to is None and not exclude:
        return None
    if restrict_to is None:
        mask = np.ones(index.row_count, dtype=np.float32)
    else:
        mask = index.row_mask(restrict_to)
    for doc_id in exclude:
        row = index.row(doc_id)
        if row is not None:
            mask[row] = 0.0
    return mask


def _finish(
    index: SparseIndex,
    query: QueryVector,
    cands: Candidates,
    facts: Facts | None,
    weights: Weights,
    k: int,
    explain: bool,
    keep_rows: Sequence[int] = (),
    min_evidence: bool = False,
) -> list[Match]:
    """Score one query's candidates, keep the k best (and ``keep_rows``), explain them.

    With ``min_evidence`` the k best are the k best with enough evidence
    (:func:`matching.engine.evidence.enough_evidence`): a candidate short of it is passed
    over and the next one moves up; ``keep_rows`` come back whatever their evidence, with it
    attached, so the caller can tell."""
    if cands.rows.size == 0 or k <= 0:
        return []
    factors = factor_values(index.facts, cands.rows, facts)
    total, parts = combine(cands.lexical, cands.topic, factors, weights)
    # best first; ties broken by document id (not by row, which depends on the order
    # documents reached this process) so every process ranks alike
    ids = np.asarray([index.doc_id(int(r)) for r in cands.rows.tolist()])
    ranked = np.lexsort((ids, -total))
    evidence: dict[int, Evidence] = {}

    def weigh(pos: int) -> Evidence:
        if pos not in evidence:
            row = int(cands.rows[pos])
            evidence[pos] = evidence_of(
                index.shared_terms(query, row),
                documents=index.live_count,
                topic=float(cands.topic[pos]),
            )
        return evidence[pos]

    if min_evidence:
        # walk down the ranking: the first k with enough evidence, usually the first k
        top: list[int] = []
        for pos in ranked.tolist():
            if enough_evidence(weigh(pos)):
                top.append(pos)
                if len(top) == k:
                    break
        order = np.asarray(top, dtype=np.int64)
    else:
        order = ranked[:k]
    n_top = int(order.size)
    if keep_rows:
        wanted = set(keep_rows)
        chosen = set(order.tolist())
        order = np.concatenate(
            [
                order,
                [p for p in ranked.tolist() if p not in chosen and int(cands.rows[p]) in wanted],
            ]
        ).astype(np.int64)
    matches = []
    for i, pos in enumerate(order.tolist()):
        row = int(cands.rows[pos])
        explanation: dict[str, Any] = {}
        if explain:
            terms = index.term_contributions(
                query,
                row,
                scale=cands.lexical_max / max(weights.lexical, 1e-9),
                limit=weights.explain_terms,
            )
            explanation = {
                "score": round(float(total[pos]), 6),
                "text": {
                    "lexical": round(float(parts["lexical"][pos]), 6),
                    "topic": round(float(parts["topic"][pos]), 6),
                },
                "terms": [{"term": t, "contribution": round(v, 6)} for t, v in terms],
                "factors": {
                    name: None
                    if np.isnan(factors[name][pos])
                    else {
                        "value": round(float(factors[name][pos]), 6),
                        "contribution": round(float(parts[name][pos]), 6),
                    }
                    for name in factors
                },
            }
        matches.append(
            Match(
                index.doc_id(row),
                float(total[pos]),
                explanation,
                i >= n_top,
                weigh(pos) if min_evidence else None,
            )
        )
    return matches


def recommend(
    index: SparseIndex,
    query: TermStats,
    *,
    facts: Facts | None = None,
    k: int = 10,
    weights: Weights | Mapping[str, Any] | None = None,
    restrict_to: Collection[str] | None = None,
    exclude: Collection[str] = (),
    explain: bool = True,
    include: Collection[str] = (),
    min_evidence: bool = False,
) -> list[Match]:
    """The k best documents of ``index`` for one query document, best first.

    ``restrict_to`` limits the answer to those ids (search after filtering); ``exclude``
    drops ids (e.g. pairs already decided). ``include``: ids whose score is wanted even if
    they fall outside the top k; they follow the top k, scored exactly as they would be
    inside it. ``min_evidence``: leave out the candidates short of the minimum evidence
    (:func:`matching.engine.evidence.enough_evidence`), the next ones moving up; each match
    then carries its :class:`Evidence` (an ``include`` document comes back either way, so
    check ``Match.enough_evidence``). Returns fewer than k matches when fewer documents
    share a term with the query (or have the evidence), and [] for an empty query.
    """
    w = weights_from(weights)
    qv = index.query_vector(query)
    scores = index.lexical_scores(qv)
    forced = [r for r in (index.row(str(d)) for d in include) if r is not None]
    cands = index.candidates(
        qv,
        scores,
        limit=w.candidates,
        feedback_docs=w.feedback_docs,
        query_topic_weight=w.query_topic_weight,
        mask=_mask(index, restrict_to, exclude),
        force_rows=np.asarray(forced, dtype=np.int64) if forced else None,
    )
    return _finish(
        index, qv, cands, facts, w, k, explain, keep_rows=forced, min_evidence=min_evidence
    )


def recommend_batch(
    index: SparseIndex,
    queries: Sequence[TermStats],
    *,
    facts: Sequence[Facts | None] | None = None,
    k: int = 10,
    weights: Weights | Mapping[str, Any] | None = None,
    explain: bool = True,
    chunk: int = 128,
    min_evidence: bool = False,
) -> list[list[Match]]:
    """:func:`recommend` for many queries: the lexical stage is one sparse product per
    ``chunk`` queries; the rest runs per query on its candidates."""
    w = weights_from(weights)
    vectors = (index.query_vector(q) for q in queries)
    out: list[list[Match]] = []
    for i, (qv, cands) in enumerate(candidates_batch(index, vectors, w, chunk=chunk)):
        query_facts = facts[i] if facts is not None else None
        out.append(_finish(index, qv, cands, query_facts, w, k, explain, min_evidence=min_evidence))
    return out


def candidates_batch(
    index: SparseIndex, vectors: Iterable[QueryVector], w: Weights, *, chunk: int = 128
) -> Iterator[tuple[QueryVector, Candidates]]:
    """Each query vector with its candidates, in order: the lexical stage is one sparse
    product per ``chunk`` vectors (what :func:`recommend_batch` ranks; the benchmarks that
    re-rank the engine's candidates start here too)."""
    part: list[QueryVector] = []
    for qv in vectors:
        part.append(qv)
        if len(part) == chunk:
            yield from _candidates_of(index, part, w)
            part = []
    if part:
        yield from _candidates_of(index, part, w)


def _candidates_of(
    index: SparseIndex, part: list[QueryVector], w: Weights
) -> Iterator[tuple[QueryVector, Candidates]]:
    scores = index.lexical_scores_batch(part)
    for i, qv in enumerate(part):
        cands = index.candidates(
            qv,
            scores[i],
            limit=w.candidates,
            feedback_docs=w.feedback_docs,
            query_topic_weight=w.query_topic_weight,
        )
        yield qv, cands
