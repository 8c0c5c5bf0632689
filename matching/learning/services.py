"""Fitting the score weights to staff decisions, one region (or the whole site) at a time.

The decided pairs are re-scored with the engine (one query per need and pair kind, with
unit weights, so each pair's explanation holds its part values); the pure fitter
(:mod:`matching.engine.learning`) fits the weights and judges them on held-out needs; the
fit is stored with each decided pair's rank before and after, applied or not. An applied
fit scores the region's needs from then on (:func:`matching.learning.selectors.
weights_for_region`); the lists already written take the new order at the next rematch
(nightly, or started by hand).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction

from accounts.models import Organization
from matching.engine.learning import (
    Example,
    FitPolicy,
    fit_weights,
    part_values,
    ranks,
    unit_weights,
    weights_as_dict,
)
from matching.learning.models import FitVerdict, WeightFit
from matching.learning.selectors import default_weights, weights_for_region
from matching.lists import documents, index_cache
from matching.lists import engine_api as adapter
from matching.models import DocumentKind, DocumentTerms, MatchDecision, PairKind
from portal.models import PostingStatus
from portal.reference.regions import region_prefix

logger = logging.getLogger(__name__)

OFFER_KINDS: dict[str, str] = {
    PairKind.NEED_RESULT: DocumentKind.RESULT,
    PairKind.NEED_EXPERT: DocumentKind.EXPERT,
}


def fit_policy() -> FitPolicy:
    """:class:`FitPolicy` with the overrides of ``MATCHING_LEARNING`` (a dict of its
    fields, e.g. ``{"min_decisions": 300}``)."""
    overrides: Mapping[str, Any] = getattr(settings, "MATCHING_LEARNING", None) or {}
    known = {f.name for f in dataclasses.fields(FitPolicy)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown MATCHING_LEARNING key(s): {', '.join(sorted(unknown))}")
    return dataclasses.replace(FitPolicy(), **overrides)


@dataclass
class DecidedList:
    """One need's list of one kind, re-scored: every published candidate's part values, and
    the decided pairs in it."""

    need_id: int
    kind: str
    values: np.ndarray
    decided: list[tuple[MatchDecision, int]]

    @property
    def group(self) -> str:
        return f"{self.need_id}:{self.kind}"


def _latest_decisions(*, scope: str) -> list[MatchDecision]:
    """The latest decision of each engine-suggested pair on needs of ``scope`` (a pair
    decided twice counts once, with its last label; pairs staff added by hand were never
    ranked by the engine)."""
    qs = (
        MatchDecision.objects.filter(is_manual=False, match__need__region_code__startswith=scope)
        .select_related("match__need", "match__result", "match__expert")
        .order_by("match_id", "-decided_at", "-id")
    )
    latest: dict[int, MatchDecision] = {}
    for decision in qs:
        latest.setdefault(decision.match_id, decision)
    return list(latest.values())


def _rescore(need_id: int, kind: str, decisions: list[MatchDecision]) -> DecidedList | None:
    """The need's candidates of this kind with their part values (published offers only,
    as the lists show them), or None when the need is out of the index."""
    row = DocumentTerms.objects.filter(
        kind=DocumentKind.NEED, object_id=need_id, is_active=True
    ).first()
    if row is None:
        return None
    offer_kind = OFFER_KINDS[kind]
    unit = unit_weights(default_weights())
    wanted = [d.match.result_id or d.match.expert_id for d in decisions]
    found = adapter.recommend(
        index_cache.index_for(kind=offer_kind),
        adapter.stats_from_json(row.terms),
        facts=adapter.facts_from_json(row.facts),
        k=unit.candidates,
        weights=unit,
        include=[str(pk) for pk in wanted],
    )
    published = set(
        documents.MODELS[offer_kind]
        .objects.filter(pk__in=[int(m.doc_id) for m in found], status=PostingStatus.PUBLISHED)
        .values_list("pk", flat=True)
    )
    kept = [m for m in found if int(m.doc_id) in published]
    position = {int(m.doc_id): i for i, m in enumerate(kept)}
    values = np.asarray([part_values(m.explanation) for m in kept], dtype=np.float64)
    decided = [(d, position[pk]) for d, pk in zip(decisions, wanted, strict=True) if pk in position]
    return DecidedList(need_id, kind, values, decided)


def decided_lists(*, scope: str) -> tuple[list[DecidedList], int]:
    """The re-scored lists of the scope's decided pairs, and how many decisions could not be
    re-scored (need or offer withdrawn, or no longer sharing a term)."""
    groups: dict[tuple[int, str], list[MatchDecision]] = defaultdict(list)
    decisions = _latest_decisions(scope=scope)
    for decision in decisions:
        groups[(decision.match.need_id, decision.match.kind)].append(decision)
    out: list[DecidedList] = []
    for (need_id, kind), items in sorted(groups.items()):
        found = _rescore(need_id, kind, items)
        if found is not None and found.decided:
            out.append(found)
    used = sum(len(item.decided) for item in out)
    return out, len(decisions) - used


def _comparison(
    found: list[DecidedList], before: Mapping[str, float], after: Mapping[str, float]
) -> list[dict[str, Any]]:
    rows = []
    for item in found:
        positions = [pos for _d, pos in item.decided]
        old = ranks(item.values, before, positions)
        new = ranks(item.values, after, positions)
        for (decision, _pos), rank_before, rank_after in zip(item.decided, old, new, strict=True):
            match = decision.match
            offer = match.result if match.result_id else match.expert
            rows.append(
                {
                    "match": match.pk,
                    "need": match.need_id,
                    "kind": match.kind,
                    "approved": decision.approved,
                    "reason": decision.reason_code,
                    "regions": [match.need.region_code, getattr(offer, "region_code", "")],
                    "before": rank_before,
                    "after": rank_after,
                }
            )
    return rows


def weight_fit_run(*, scope: str = "") -> WeightFit:
    """Fit the weights to the decisions on needs of ``scope`` ("" = the whole site) and
    store the fit; it is applied (scores the scope's needs from then on) only when it beats
    the weights in force there on held-out needs (see :mod:`matching.engine.learning`)."""
    found, skipped = decided_lists(scope=scope)
    current = weights_for_region(region=scope)
    examples = [
        Example(item.group, tuple(item.values[pos]), decision.approved)
        for item in found
        for decision, pos in item.decided
    ]
    result = fit_weights(examples, prior=default_weights(), current=current, policy=fit_policy())
    before = weights_as_dict(current)
    comparison = _comparison(found, before, result.weights)
    with transaction.atomic():
        fit = WeightFit(
            scope=scope,
            decisions=result.decisions,
            lists=result.lists,
            pairs=result.pairs,
            skipped=skipped,
            weights_before=before,
            weights_after=result.weights,
            auc_before=_finite(result.auc_before),
            auc_after=_finite(result.auc_after),
            gain_low=_finite(result.gain_low),
            verdict=result.verdict,
            applied=result.verdict == FitVerdict.APPLIED,
            comparison=comparison,
        )
        fit.full_clean()
        fit.save()
    logger.info(
        "weight fit %s [%s]: %s decisions over %s lists, AUC %.3f -> %.3f, %s",
        fit.pk,
        scope or "*",
        fit.decisions,
        fit.lists,
        result.auc_before,
        result.auc_after,
        fit.verdict,
    )
    return fit


def _finite(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def learning_scopes() -> list[str]:
    """The whole site, and each science bureau's jurisdiction."""
    codes = Organization.objects.filter(org_type=Organization.Type.BUREAU).values_list(
        "region_code", flat=True
    )
    return ["", *sorted({region_prefix(code) for code in codes if code})]


def weight_fits_run() -> list[WeightFit]:
    """One fit per scope (:func:`learning_scopes`): what the weekly task and ``manage.py
    fit_weights`` run. Safe to run twice: a second fit sees the first one's weights as the
    weights in force and applies only if it beats them."""
    return [weight_fit_run(scope=scope) for scope in learning_scopes()]


@dataclass(frozen=True)
class RankSummary:
    """Before/after of one label's decided pairs: mean rank, and how many fall in the top k."""

    count: int
    mean_before: float | None
    mean_after: float | None
    top_before: int
    top_after: int
    moved_up: int
    moved_down: int


def rank_summary(rows: list[dict[str, Any]], *, approved: bool, k: int) -> RankSummary:
    chosen = [r for r in rows if bool(r["approved"]) == approved]
    if not chosen:
        return RankSummary(0, None, None, 0, 0, 0, 0)
    return RankSummary(
        count=len(chosen),
        mean_before=round(sum(r["before"] for r in chosen) / len(chosen), 1),
        mean_after=round(sum(r["after"] for r in chosen) / len(chosen), 1),
        top_before=sum(1 for r in chosen if r["before"] <= k),
        top_after=sum(1 for r in chosen if r["after"] <= k),
        moved_up=sum(1 for r in chosen if r["after"] < r["before"]),
        moved_down=sum(1 for r in chosen if r["after"] > r["before"]),
    )
