"""In-memory sparse index of one register (needs, results or experts), no Django.

Built from per-document term statistics (:class:`matching.engine.text.TermStats`, what the
database stores per document), it answers "which documents share the most weighted terms
with this query" with sparse products only, and keeps a small dense topic vector per
document (LSA folded in from the catalogue itself) so the scorer can pull same-field
documents up.

Layout:

- *main segment*: documents known at the last build/merge. A term-major CSR matrix
  (term x doc) of BM25 document weights, ``tf*(k1+1) / (tf + k1*(1-b+b*len/avglen))``, for
  fast query scoring, and a doc-major CSR matrix of raw field-weighted term frequencies,
  kept to rebuild and to explain scores.
- *delta segment*: documents added since, kept as small per-document arrays; its term-major
  matrix is rebuilt lazily (it stays small), with the main segment's average length.
- *tombstones*: a changed or withdrawn document's row is marked dead; its score is zeroed.
- ``version`` moves on every change, so worker processes can tell when to reload.

idf is computed at query time from live document frequencies, so additions and removals
count at once. Terms found in more than ``max_df`` of the documents are skipped (and kept out
of the term-major matrix): they are the stop-word-like terms that make most of the
multiply-adds and carry almost no ranking signal.
"""

from __future__ import annotations

import ctypes
import gc
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from matching.engine.facts import Facts, FactTable
from matching.engine.text import PHRASE_SEP, TermStats

__all__ = ["Candidates", "IndexParams", "QueryVector", "SparseIndex"]

DEFAULT_FIELD_WEIGHTS: dict[str, float] = {"title": 2.0, "keywords": 2.0, "body": 1.0}


@dataclass(frozen=True)
class IndexParams:
    """Generic knobs of the text model; changing any of them needs a rebuild.

    ``field_weights``: how much one occurrence in a field counts (BM25F-style: weighted term
    frequencies are summed over fields before saturation). ``phrase_weight``: query weight of
    an adjacent-token phrase term relative to a single term. ``max_df``: terms in more than
    this share of documents are skipped, once the index holds ``prune_min_docs`` documents
    (6%: on the CSL dev split every value from 3% to 6% ranks the known item higher than
    10% did, need2result MRR@10 +0.003 with gains on both random halves of the needs,
    need2expert +0.001; below 4% the expert task's nDCG falls, as long profiles share
    mid-frequency words).
    ``topic_dims``: LSA dimensions; the SVD is fitted on at most ``topic_sample`` documents
    and every other document is folded in. ``merge_fraction``/``merge_min``: the delta
    segment is merged into the main one when it exceeds max(merge_min, fraction x main).
    """

    k1: float = 1.5
    b: float = 0.75
    field_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FIELD_WEIGHTS))
    default_field_weight: float = 1.0
    phrase_weight: float = 0.3
    max_df: float = 0.06
    prune_min_docs: int = 200
    topic_dims: int = 96
    topic_min_docs: int = 50
    topic_min_df: int = 2
    topic_sample: int = 20_000
    topic_iterations: int = 4
    merge_fraction: float = 0.05
    merge_min: int = 1_000
    auto_merge: bool = True
    seed: int = 0


@dataclass
class QueryVector:
    """A query mapped onto the index vocabulary.

    ``terms``/``weights``: index term ids and their query weights (idf x field x phrase
    weight), after pruning. ``topic``: the query's unit topic vector (zeros if unknown).
    ``names``: the term strings, for explanations.
    """

    terms: np.ndarray
    weights: np.ndarray
    topic: np.ndarray
    names: list[str]


@dataclass
class Candidates:
    """The rows a query's lexical stage kept, with their per-row text components."""

    rows: np.ndarray
    lexical: np.ndarray  # BM25 score / the best BM25 score of this query, in [0, 1]
    topic: np.ndarray  # cosine of the row's topic vector with the query's (PRF) topic
    lexical_max: float


def _weighted_counts(stats: TermStats, params: IndexParams) -> tuple[dict[str, float], float]:
    """Field-weighted term frequencies of one document and its weighted length."""
    merged: dict[str, float] = {}
    length = 0.0
    if len(stats.fields) == 1:
        # the common one-field case, without the per-term merge
        ((name, counts),) = stats.fields.items()
        weight = params.field_weights.get(name, params.default_field_weight)
        if weight <= 0:
            return merged, length
        merged = {t: weight * c for t, c in counts.items() if c > 0}
        length = weight * sum(c for t, c in counts.items() if c > 0 and PHRASE_SEP not in t)
        return merged, length
    for name, counts in stats.fields.items():
        weight = params.field_weights.get(name, params.default_field_weight)
        if weight <= 0:
            continue
        for term, count in counts.items():
            if count <= 0:
                continue
            merged[term] = merged.get(term, 0.0) + weight * count
            if PHRASE_SEP not in term:
                length += weight * count
    return merged, length


def _l2_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _orthonormal(y: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns of a tall float32 matrix (economic QR in float32:
    numpy's QR would work on a float64 copy, several times the matrix at a 100k build)."""
    q, _ = scipy.linalg.qr(y, mode="economic", overwrite_a=True, check_finite=False)
    return np.asarray(q, dtype=np.float32)


def _randomized_right_vectors(
    x: sp.csr_matrix, dims: int, iterations: int, seed: int
) -> np.ndarray:
    """Top right singular vectors of a sparse matrix (Halko et al. randomized range finder).

    Returns a (dims x n_columns) float32 array. Deterministic for a given seed. Everything
    stays float32 and no dense matrix is larger than (n_columns x (dims + 10)).
    """
    rng = np.random.default_rng(seed)
    width = min(dims + 10, min(x.shape))
    omega = rng.standard_normal((x.shape[1], width), dtype=np.float32)
    y = np.asarray(x @ omega)
    del omega
    for _ in range(iterations):
        y = _orthonormal(y)
        z = _orthonormal(np.asarray(x.T @ y))
        y = np.asarray(x @ z)
        del z
    q = _orthonormal(y)
    del y
    small = np.asarray((x.T @ q).T, dtype=np.float32)  # width x n_columns
    del q
    _, _, vt = scipy.linalg.svd(small, full_matrices=False, overwrite_a=True, check_finite=False)
    return np.ascontiguousarray(vt[:dims], dtype=np.float32)


def _release_freed_memory() -> None:
    """Hand memory that the build freed back to the operating system (glibc only).

    A build frees many mid-sized arrays (the per-chunk postings); glibc keeps such memory in
    its heap, where it counts towards the process's resident size until reused. Returning
    it before the next big allocation keeps the build's peak close to what it really holds.
    """
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None


def _consume_concat(parts: list[np.ndarray], dtype: type, total: int) -> np.ndarray:
    """Concatenate ``parts`` into one new array, freeing each part once it is copied (the
    list is emptied), so the peak is the result plus one part rather than twice the data."""
    out: np.ndarray = np.empty(total, dtype=dtype)
    parts.reverse()
    pos = 0
    while parts:
        part = parts.pop()
        out[pos : pos + part.shape[0]] = part
        pos += part.shape[0]
        del part
    if pos != total:
        raise ValueError(f"postings hold {pos} entries, the sizes say {total}")
    return out


class SparseIndex:
    """Term statistics of one register's documents, queryable with sparse products.

    Not thread-safe for writers: one process owns one index and serialises add/remove;
    concurrent readers are fine between writes.
    """

    def __init__(self, params: IndexParams | None = None) -> None:
        self.params = params or IndexParams()
        self.version = 0
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._is_phrase = np.zeros(0, dtype=bool)
        self._df = np.zeros(0, dtype=np.int64)
        # rows: main segment first, then the delta segment
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._alive = np.zeros(0, dtype=np.float32)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._n_main = 0
        self._avg_length = 1.0
        self._main_docs = sp.csr_matrix((0, 0), dtype=np.float32)  # doc x term, raw tf
        self._main_terms = sp.csr_matrix((0, 0), dtype=np.float32)  # term x doc, BM25 weights
        self._delta: list[tuple[np.ndarray, np.ndarray]] = []  # per delta row: term ids, tf
        self._delta_terms: sp.csr_matrix | None = None
        # topic model: term id -> topic column (-1: none), projection, doc topic vectors
        self._topic_col = np.zeros(0, dtype=np.int32)
        self._projection = np.zeros((0, 0), dtype=np.float32)
        self._topics = np.zeros((0, 0), dtype=np.float32)
        self.facts = FactTable()

    # ------------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        docs: Iterable[tuple[str, TermStats] | tuple[str, TermStats, Facts | None]],
        params: IndexParams | None = None,
    ) -> SparseIndex:
        """A fresh index over ``(doc_id, stats)`` or ``(doc_id, stats, facts)`` tuples.

        ``docs`` may be a generator: each document's statistics are turned into two small
        arrays at once, so the caller can stream 100k documents from the database without
        holding their dicts. A later duplicate id replaces the earlier one.
        """
        # The loop below allocates millions of small objects and no reference cycles; the
        # cyclic GC would rescan the growing heap again and again (about 10% of a 100k build).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return cls._build(docs, params)
        finally:
            if gc_was_enabled:
                gc.enable()

    @classmethod
    def _build(
        cls,
        docs: Iterable[tuple[str, TermStats] | tuple[str, TermStats, Facts | None]],
        params: IndexParams | None,
    ) -> SparseIndex:
        index = cls(params)
        vocab = index._vocab
        row_of: dict[str, int] = {}
        superseded: list[int] = []
        ids: list[str] = []
        # per-document arrays are concatenated every few thousand documents, so a 100k
        # build never holds 200k small arrays at once
        term_chunks: list[np.ndarray] = []
        tf_chunks: list[np.ndarray] = []
        term_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        lengths: list[float] = []
        sizes: list[int] = []
        facts: list[Facts | None] = []
        for doc in docs:
            doc_id = str(doc[0])
            counts, length = _weighted_counts(doc[1], index.params)
            # setdefault inline: this loop touches every (doc, term) pair of a build
            term_parts.append(np.array([vocab.setdefault(t, len(vocab)) for t in counts], np.int32))
            tf_parts.append(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
            if doc_id in row_of:
                superseded.append(row_of[doc_id])
            row_of[doc_id] = len(ids)
            ids.append(doc_id)
            sizes.append(len(counts))
            lengths.append(length)
            facts.append(doc[2] if len(doc) > 2 else None)  # type: ignore[misc]
            if len(term_parts) >= 4096:
                term_chunks.append(np.concatenate(term_parts))
                tf_chunks.append(np.concatenate(tf_parts))
                term_parts, tf_parts = [], []
        term_chunks.extend(term_parts)
        tf_chunks.extend(tf_parts)
        index._terms = list(vocab)
        index._rebuild(
            ids,
            term_chunks,
            tf_chunks,
            np.asarray(lengths, dtype=np.float32),
            np.asarray(sizes, dtype=np.int64),
        )
        index.facts = FactTable()
        index.facts.extend(facts)
        # an id given twice: the earlier row becomes a tombstone, as after a change
        for row in superseded:
            index._alive[row] = 0.0
            index._df[index._row_terms(row)[0]] -= 1
        return index

    def _term_id(self, term: str) -> int:
        term_id = self._vocab.get(term)
        if term_id is None:
            term_id = len(self._terms)
            self._vocab[term] = term_id
            self._terms.append(term)
        return term_id

    def _grow_term_arrays(self) -> None:
        n = len(self._terms)
        if self._df.shape[0] < n:
            extra = n - self._df.shape[0]
            self._df = np.concatenate([self._df, np.zeros(extra, dtype=np.int64)])
            phrase = np.fromiter(
                (PHRASE_SEP in t for t in self._terms[n - extra :]), dtype=bool, count=extra
            )
            self._is_phrase = np.concatenate([self._is_phrase, phrase])
            self._topic_col = np.concatenate([self._topic_col, np.full(extra, -1, dtype=np.int32)])

    def _rebuild(
        self,
        ids: list[str],
        term_parts: list[np.ndarray],
        tf_parts: list[np.ndarray],
        lengths: np.ndarray,
        sizes: np.ndarray,
    ) -> None:
        """Make ``ids`` the main segment (no delta, no tombstones) and refit the topic model.

        Term ids refer to the current vocabulary, which is kept. ``term_parts``/``tf_parts``
        are consumed (emptied) while they are copied into the final arrays, so the build
        never holds two copies of the postings.
        """
        self._df = np.zeros(0, dtype=np.int64)
        self._is_phrase = np.zeros(0, dtype=bool)
        self._topic_col = np.zeros(0, dtype=np.int32)
        # drop the old segment first: a merge must not hold two of them
        self._main_docs = self._main_terms = sp.csr_matrix((0, 0), dtype=np.float32)
        self._topics = np.zeros((0, 0), dtype=np.float32)
        self._delta = []
        self._delta_terms = None
        self._grow_term_arrays()
        n_terms = len(self._terms)
        nnz = int(sizes.sum())
        # int32 index arrays whenever they fit, else scipy upcasts (and copies) them all
        index_type = np.int32 if nnz < 2**31 - 1 else np.int64
        indptr = np.zeros(len(ids) + 1, dtype=index_type)
        np.cumsum(sizes, out=indptr[1:])
        cols = _consume_concat(term_parts, np.int32, nnz)
        vals = _consume_concat(tf_parts, np.float32, nnz)
        _release_freed_memory()
        self._main_docs = sp.csr_matrix((vals, cols, indptr), shape=(len(ids), n_terms))
        self._main_docs.sort_indices()
        # bincount casts its input to int64: count a slice at a time instead of copying all
        self._df = np.zeros(n_terms, dtype=np.int64)
        step = 1 << 20
        for start in range(0, nnz, step):
            self._df += np.bincount(cols[start : start + step], minlength=n_terms)
        del cols, vals
        self._ids = list(ids)
        self._row_of = {doc_id: row for row, doc_id in enumerate(ids)}
        self._alive = np.ones(len(ids), dtype=np.float32)
        self._lengths = lengths.astype(np.float32)
        self._n_main = len(ids)
        positive = self._lengths[self._lengths > 0]
        self._avg_length = float(positive.mean()) if positive.size else 1.0
        self._main_terms = self._bm25_term_major(self._main_docs, self._lengths, prune=True)
        self._fit_topics()
        self.version += 1

    def _bm25_term_major(
        self, docs: sp.csr_matrix, lengths: np.ndarray, *, prune: bool
    ) -> sp.csr_matrix:
        """Term-major BM25 document weights (idf is applied on the query side).

        Memory-lean: the transpose of the raw frequencies is the only full-size new matrix;
        its values become BM25 weights in place, a slice at a time, and the pruned terms'
        entries are squeezed out in place.
        """
        k1, b = self.params.k1, self.params.b
        norm = (k1 * (1.0 - b + b * lengths / self._avg_length)).astype(np.float32)
        matrix = docs.T.tocsr()  # (term x doc); csc->csr keeps each row's docs in order
        data, rows = matrix.data, matrix.indices
        step = 1 << 20
        for start in range(0, data.shape[0], step):
            tf = data[start : start + step]
            denominator = tf + norm[rows[start : start + step]]
            tf *= np.float32(k1 + 1.0)
            tf /= denominator
        if prune:
            # drop the rows (terms) too common to score with: zero them, then compact
            pruned = self._pruned_terms()
            if pruned.any():
                matrix.data[np.repeat(pruned, np.diff(matrix.indptr))] = 0.0
                matrix.eliminate_zeros()
        matrix.has_sorted_indices = True
        return matrix

    def _pruned_terms(self, term_ids: np.ndarray | None = None) -> np.ndarray:
        """Boolean mask of the single terms too common to score with (all terms, or the
        given ones: a query only needs its own terms checked)."""
        df = self._df if term_ids is None else self._df[term_ids]
        phrase = self._is_phrase if term_ids is None else self._is_phrase[term_ids]
        n_docs = self.live_count
        if n_docs < self.params.prune_min_docs:
            return np.zeros(df.shape[0], dtype=bool)
        return (df > self.params.max_df * n_docs) & ~phrase

    def _sublinear(self, tf: np.ndarray) -> np.ndarray:
        return (1.0 + np.log(np.maximum(tf, 1e-6))).astype(np.float32)

    def _topic_rows(self, rows: slice | np.ndarray) -> sp.csr_matrix:
        """Sublinear tf of some main-segment rows over the topic terms (topic columns)."""
        docs = self._main_docs[rows]
        cols = self._topic_col[docs.indices]
        keep = cols >= 0
        counts = np.diff(docs.indptr)
        row_of_entry = np.repeat(np.arange(docs.shape[0], dtype=np.int32), counts)
        indptr = np.zeros(docs.shape[0] + 1, dtype=np.int32)
        np.cumsum(np.bincount(row_of_entry[keep], minlength=docs.shape[0]), out=indptr[1:])
        width = int(self._topic_col.max(initial=-1)) + 1
        return sp.csr_matrix(
            (self._sublinear(docs.data[keep]), cols[keep], indptr), shape=(docs.shape[0], width)
        )

    def _fit_topics(self) -> None:
        """Fit the LSA topic space on (a sample of) the main segment and fold every doc in.

        Works on row slices of the main segment, so no full-size copy is ever made.
        """
        dims = self.params.topic_dims
        n_docs = self._n_main
        self._topic_col = np.full(len(self._terms), -1, dtype=np.int32)
        self._projection = np.zeros((0, dims), dtype=np.float32)
        self._topics = np.zeros((n_docs, dims), dtype=np.float32)
        if dims <= 0 or n_docs < self.params.topic_min_docs:
            return
        usable = (~self._is_phrase) & (self._df >= self.params.topic_min_df)
        topic_terms = np.flatnonzero(usable)
        if topic_terms.size <= dims:
            return
        self._topic_col[topic_terms] = np.arange(topic_terms.size, dtype=np.int32)
        idf = self._idf(topic_terms).astype(np.float32)
        if n_docs > self.params.topic_sample:
            rng = np.random.default_rng(self.params.seed)
            sample = np.sort(rng.choice(n_docs, self.params.topic_sample, replace=False))
            fit_on = self._topic_rows(sample)
        else:
            fit_on = self._topic_rows(slice(0, n_docs))
        # fit on tf-idf rows of unit length, the usual LSA input
        fit_on = fit_on @ sp.diags(idf)
        row_norms = np.sqrt(np.asarray(fit_on.multiply(fit_on).sum(axis=1)).ravel())
        row_norms[row_norms == 0] = 1.0
        fit_on = sp.diags((1.0 / row_norms).astype(np.float32)) @ fit_on
        vt = _randomized_right_vectors(
            fit_on.tocsr(), dims, self.params.topic_iterations, self.params.seed
        )
        del fit_on
        if vt.shape[0] < dims:
            return
        # a document's topic vector is unit(sublinear tf x idf @ Vt.T): fold idf into one matrix
        self._projection = np.ascontiguousarray((idf[:, None] * vt.T).astype(np.float32))
        step = 8192
        for start in range(0, n_docs, step):
            end = min(start + step, n_docs)
            block = np.asarray(self._topic_rows(slice(start, end)) @ self._projection)
            self._topics[start:end] = _l2_rows(block.astype(np.float32, copy=False))
        _release_freed_memory()

    def _fold_in(self, term_ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        dims = self.params.topic_dims
        if self._projection.shape[0] == 0 or term_ids.size == 0:
            return np.zeros(dims, dtype=np.float32)
        cols = self._topic_col[term_ids]
        known = cols >= 0
        if not known.any():
            return np.zeros(dims, dtype=np.float32)
        vector = self._sublinear(tf[known]) @ self._projection[cols[known]]
        norm = float(np.linalg.norm(vector))
        return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)

    # ------------------------------------------------------------------ changes

    @property
    def live_count(self) -> int:
        return len(self._row_of)

    @property
    def row_count(self) -> int:
        """Rows held, live or dead (the length of every per-row array)."""
        return len(self._ids)

    def __len__(self) -> int:
        return self.live_count

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    def ids(self) -> list[str]:
        """Live document ids, in row order."""
        return [d for row, d in enumerate(self._ids) if self._row_of.get(d) == row]

    def needs_merge(self) -> bool:
        limit = max(self.params.merge_min, self.params.merge_fraction * self._n_main)
        return len(self._delta) > limit

    def add(self, doc_id: str, stats: TermStats, facts: Facts | None = None) -> None:
        """Add or replace one document without a rebuild (it goes to the delta segment)."""
        doc_id = str(doc_id)
        if doc_id in self._row_of:
            self._kill(doc_id)
        counts, length = _weighted_counts(stats, self.params)
        term_ids = np.fromiter(
            (self._term_id(t) for t in counts), dtype=np.int32, count=len(counts)
        )
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        self._grow_term_arrays()
        self._df[term_ids] += 1
        row = len(self._ids)
        self._ids.append(doc_id)
        self._row_of[doc_id] = row
        self._alive = np.append(self._alive, np.float32(1.0))
        self._lengths = np.append(self._lengths, np.float32(length))
        self._delta.append((term_ids, tf))
        self._delta_terms = None
        topic = self._fold_in(term_ids, tf)
        if self._topics.shape[0] < row + 1:
            # grow by doubling so a run of additions stays linear
            grown = np.zeros(
                (max(row + 1, 2 * self._topics.shape[0], 16), self.params.topic_dims),
                dtype=np.float32,
            )
            grown[: self._topics.shape[0]] = self._topics
            self._topics = grown
        self._topics[row] = topic
        self.facts.append(facts)
        self.version += 1
        if self.params.auto_merge and self.needs_merge():
            self.merge()

    def remove(self, doc_id: str) -> bool:
        """Withdraw a document; returns False if it was not in the index."""
        doc_id = str(doc_id)
        if doc_id not in self._row_of:
            return False
        self._kill(doc_id)
        self.version += 1
        return True

    def _kill(self, doc_id: str) -> None:
        row = self._row_of.pop(doc_id)
        self._alive[row] = 0.0
        term_ids, _ = self._row_terms(row)
        self._df[term_ids] -= 1

    def _row_terms(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        if row < self._n_main:
            start, end = self._main_docs.indptr[row], self._main_docs.indptr[row + 1]
            return self._main_docs.indices[start:end], self._main_docs.data[start:end]
        return self._delta[row - self._n_main]

    def merge(self) -> None:
        """Fold the delta segment and tombstones into a new main segment (a full rebuild
        from the stored statistics, refitting idf, average length and topics)."""
        kept = [row for row, doc_id in enumerate(self._ids) if self._row_of.get(doc_id) == row]
        ids = [self._ids[row] for row in kept]
        term_parts, tf_parts = [], []
        for row in kept:
            term_ids, tf = self._row_terms(row)
            term_parts.append(np.array(term_ids, dtype=np.int32))
            tf_parts.append(np.array(tf, dtype=np.float32))
        rows = np.asarray(kept, dtype=np.int64)
        lengths = self._lengths[rows]
        facts = self.facts.take(rows)
        version = self.version
        sizes = np.asarray([t.size for t in term_parts], dtype=np.int64)
        self._rebuild(ids, term_parts, tf_parts, lengths, sizes)
        self.facts = facts
        self.version = version + 1

    # ------------------------------------------------------------------ querying

    def _idf(self, term_ids: np.ndarray) -> np.ndarray:
        n_docs = max(self.live_count, 1)
        df = np.maximum(self._df[term_ids], 0).astype(np.float64)
        return np.log1p((n_docs - df + 0.5) / (df + 0.5))

    def query_vector(self, stats: TermStats) -> QueryVector:
        """Map a query's term statistics onto this index (unknown terms are dropped).

        Query terms count once (a repeated word in a short need is not more important),
        weighted by idf, by the strongest field they occur in, and by ``phrase_weight`` for
        phrase terms.
        """
        params = self.params
        weight_of: dict[int, float] = {}
        tf_of: dict[int, float] = {}
        body_weight = params.field_weights.get("body", params.default_field_weight) or 1.0
        for name, counts in stats.fields.items():
            fw = params.field_weights.get(name, params.default_field_weight) / body_weight
            if fw <= 0:
                continue
            for term, count in counts.items():
                term_id = self._vocab.get(term)
                if term_id is None or count <= 0:
                    continue
                weight_of[term_id] = max(weight_of.get(term_id, 0.0), fw)
                tf_of[term_id] = tf_of.get(term_id, 0.0) + fw * count
        dims = params.topic_dims
        if not weight_of:
            empty = np.zeros(0, dtype=np.int32)
            return QueryVector(empty, np.zeros(0, np.float32), np.zeros(dims, np.float32), [])
        terms = np.fromiter(weight_of, dtype=np.int32, count=len(weight_of))
        field_w = np.fromiter(weight_of.values(), dtype=np.float64, count=len(weight_of))
        tf = np.fromiter((tf_of[t] for t in weight_of), dtype=np.float32, count=len(weight_of))
        topic = self._fold_in(terms, tf)
        live = self._df[terms] > 0
        keep = live & ~self._pruned_terms(terms)
        weights = self._idf(terms) * field_w
        weights = np.where(self._is_phrase[terms], weights * params.phrase_weight, weights)
        terms, weights = terms[keep], weights[keep].astype(np.float32)
        return QueryVector(terms, weights, topic, [self._terms[t] for t in terms])

    def _delta_matrix(self) -> sp.csr_matrix:
        if self._delta_terms is None:
            n_terms = len(self._terms)
            if self._delta:
                rows = np.concatenate(
                    [np.full(t.size, i, dtype=np.int32) for i, (t, _) in enumerate(self._delta)]
                )
                cols = np.concatenate([t for t, _ in self._delta])
                vals = np.concatenate([v for _, v in self._delta])
            else:
                rows = cols = np.zeros(0, dtype=np.int32)
                vals = np.zeros(0, dtype=np.float32)
            docs = sp.csr_matrix((vals, (rows, cols)), shape=(len(self._delta), n_terms))
            self._delta_terms = self._bm25_term_major(
                docs, self._lengths[self._n_main :], prune=False
            )
        return self._delta_terms

    def lexical_scores(self, query: QueryVector) -> np.ndarray:
        """BM25 score of every row for one query (dead rows score 0)."""
        n_rows = len(self._ids)
        scores = np.zeros(n_rows, dtype=np.float32)
        if query.terms.size == 0 or n_rows == 0:
            return scores
        main = self._main_terms
        in_main = query.terms < main.shape[0]
        rows_parts, val_parts = [], []
        for term_id, weight in zip(query.terms[in_main], query.weights[in_main], strict=True):
            start, end = main.indptr[term_id], main.indptr[term_id + 1]
            if end > start:
                rows_parts.append(main.indices[start:end])
                val_parts.append(main.data[start:end] * weight)
        if rows_parts:
            scores[: self._n_main] = np.bincount(
                np.concatenate(rows_parts),
                weights=np.concatenate(val_parts),
                minlength=self._n_main,
            )
        if self._delta:
            delta = self._delta_matrix()
            qv = sp.csr_matrix(
                (query.weights, (np.zeros(query.terms.size, dtype=np.int32), query.terms)),
                shape=(1, delta.shape[0]),
            )
            scores[self._n_main :] = (qv @ delta).toarray().ravel()
        scores *= self._alive
        return scores

    def lexical_scores_batch(self, queries: Sequence[QueryVector]) -> np.ndarray:
        """BM25 scores of every row for several queries at once: one sparse product."""
        n_terms = len(self._terms)
        rows = np.concatenate(
            [np.full(q.terms.size, i, dtype=np.int32) for i, q in enumerate(queries)]
            + [np.zeros(0, dtype=np.int32)]
        )
        cols = np.concatenate([q.terms for q in queries] + [np.zeros(0, dtype=np.int32)])
        vals = np.concatenate([q.weights for q in queries] + [np.zeros(0, dtype=np.float32)])
        qm = sp.csr_matrix((vals, (rows, cols)), shape=(len(queries), n_terms))
        main = self._main_terms
        parts = [(qm[:, : main.shape[0]] @ main).toarray()]
        if self._delta:
            parts.append((qm @ self._delta_matrix()).toarray())
        scores = np.hstack(parts).astype(np.float32) if len(parts) > 1 else parts[0]
        scores *= self._alive[None, :]
        return scores

    def candidates(
        self,
        query: QueryVector,
        scores: np.ndarray,
        *,
        limit: int,
        feedback_docs: int,
        query_topic_weight: float,
        mask: np.ndarray | None = None,
        force_rows: np.ndarray | None = None,
    ) -> Candidates:
        """Keep the ``limit`` best rows of one query's lexical scores and add topic scores.

        The topic side is pseudo-relevance feedback in LSA space: the topic vectors of the
        ``feedback_docs`` best lexical matches, weighted by their normalised scores, plus the
        query's own topic vector times ``query_topic_weight``. Documents of the same field
        share this direction even when they share few words with the query.
        """
        if mask is not None:
            scores = scores * mask
        positive = int(np.count_nonzero(scores > 0))
        empty = np.zeros(0, dtype=np.float32)
        if positive == 0:
            return Candidates(np.zeros(0, dtype=np.int64), empty, empty, 0.0)
        limit = min(limit, positive)
        if limit < scores.shape[0]:
            rows = np.argpartition(-scores, limit - 1)[:limit]
        else:
            rows = np.arange(scores.shape[0])
        if force_rows is not None and force_rows.size:
            # rows whose score the caller needs even outside the lexical top (a pair's
            # score seen from the other side); normalised by the same best score
            extra = np.setdiff1d(force_rows[self._alive[force_rows] > 0], rows)
            rows = np.concatenate([rows, extra.astype(rows.dtype)])
        lex = scores[rows]
        best = float(lex.max())
        lexical = (lex / best).astype(np.float32)
        topic = np.zeros(rows.size, dtype=np.float32)
        if self._projection.shape[0] and feedback_docs > 0:
            # ties broken by row, so the feedback documents never depend on argpartition
            top = np.lexsort((rows, -lexical))[:feedback_docs]
            vectors = self._topics[rows]
            direction = lexical[top] @ vectors[top] + query_topic_weight * query.topic
            norm = float(np.linalg.norm(direction))
            if norm > 0 and math.isfinite(norm):
                topic = vectors @ (direction / norm).astype(np.float32)
        return Candidates(rows.astype(np.int64), lexical, topic.astype(np.float32), best)

    # ------------------------------------------------------------------ helpers

    def nbytes(self) -> int:
        """Approximate memory held by the index (arrays, vocabulary, ids), in bytes."""
        total = 0
        for matrix in (self._main_docs, self._main_terms, self._delta_terms):
            if matrix is not None:
                total += matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
        for array in (
            self._df,
            self._is_phrase,
            self._alive,
            self._lengths,
            self._topic_col,
            self._projection,
            self._topics,
        ):
            total += array.nbytes
        total += sum(t.nbytes + v.nbytes for t, v in self._delta)
        total += sys.getsizeof(self._vocab) + sum(sys.getsizeof(t) for t in self._terms)
        total += sys.getsizeof(self._terms) + sys.getsizeof(self._ids)
        total += sys.getsizeof(self._row_of) + sum(sys.getsizeof(d) for d in self._ids)
        for column in vars(self.facts).values():
            if isinstance(column, np.ndarray):
                total += column.nbytes
        return total

    def doc_id(self, row: int) -> str:
        return self._ids[row]

    def row(self, doc_id: str) -> int | None:
        return self._row_of.get(doc_id)

    def row_mask(self, doc_ids: Iterable[str]) -> np.ndarray:
        """A 0/1 float mask over rows that keeps only the given (live) documents."""
        mask = np.zeros(len(self._ids), dtype=np.float32)
        rows = [self._row_of[d] for d in doc_ids if d in self._row_of]
        mask[rows] = 1.0
        return mask

    def term_contributions(
        self, query: QueryVector, row: int, *, scale: float = 1.0, limit: int = 8
    ) -> list[tuple[str, float]]:
        """The query terms that add most to one row's BM25 score, largest first."""
        term_ids, tf = self._row_terms(row)
        if term_ids.size == 0 or query.terms.size == 0:
            return []
        k1, b = self.params.k1, self.params.b
        norm = k1 * (1.0 - b + b * float(self._lengths[row]) / self._avg_length)
        tf_of = dict(zip(term_ids.tolist(), tf.tolist(), strict=True))
        out = []
        for term_id, weight, name in zip(
            query.terms.tolist(), query.weights.tolist(), query.names, strict=True
        ):
            count = tf_of.get(term_id)
            if count:
                value = weight * count * (k1 + 1.0) / (count + norm) / scale
                out.append((name, value))
        out.sort(key=lambda item: (-item[1], item[0]))
        return out[:limit]

    def shared_terms(self, query: QueryVector, row: int) -> list[tuple[str, int]]:
        """The query's terms that one row holds, each with its live document frequency
        (what the minimum-evidence rule weighs, :mod:`matching.engine.evidence`)."""
        term_ids, _tf = self._row_terms(row)
        held = np.isin(query.terms, term_ids)
        return [
            (query.names[i], int(self._df[query.terms[i]])) for i in np.flatnonzero(held).tolist()
        ]

    def topk(self, query_stats: TermStats, k: int = 10) -> list[tuple[str, float]]:
        """Text-only ranking with the default weights (see :mod:`matching.engine`)."""
        from matching.engine import recommend as engine

        return [(m.doc_id, m.score) for m in engine.recommend(self, query_stats, k=k)]

    def topk_batch(
        self, queries: Sequence[TermStats], k: int = 10
    ) -> list[list[tuple[str, float]]]:
        """:meth:`topk` for many queries with one sparse product per chunk."""
        from matching.engine import recommend as engine

        return [
            [(m.doc_id, m.score) for m in matches]
            for matches in engine.recommend_batch(self, queries, k=k)
        ]
