"""Reads of the learnt weights: which weights a need's list is scored with, and which fit a
staff member sees."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from matching.engine.learning import weights_with
from matching.learning.models import WeightFit
from matching.lists import engine_api as adapter


def default_weights() -> adapter.Weights:
    """The benchmark-tuned weights (``MATCHING_WEIGHTS`` over the engine's defaults): what
    holds until a region's decisions earn a fit, and what every fit is pulled towards."""
    return adapter.weights_from(getattr(settings, "MATCHING_WEIGHTS", None))


def _prefixes(region: str) -> list[str]:
    # "370102" -> "", "37", "3701", "370102": every scope a region lies in
    return [region[:n] for n in range(0, len(region) + 1, 2)]


def fit_in_force(*, region: str) -> WeightFit | None:
    """The applied fit that scores needs of ``region``: the most specific scope holding
    one (a city's over its province's over the site's), the latest in that scope."""
    fits = WeightFit.objects.filter(applied=True, scope__in=_prefixes(region or "")).order_by(
        "-created_at", "-id"
    )
    best: WeightFit | None = None
    for fit in fits.only("id", "scope", "weights_after", "created_at"):
        if best is None or len(fit.scope) > len(best.scope):
            best = fit
    return best


def weights_for_region(*, region: str) -> adapter.Weights:
    """The weights a need of ``region`` is scored with: the fit in force there, else the
    defaults. One small query per call."""
    defaults = default_weights()
    fit = fit_in_force(region=region)
    if fit is None:
        return defaults
    return weights_with(defaults, fit.weights_after)


def fit_for_jurisdiction(*, prefix: str) -> WeightFit | None:
    """The latest fit a staff member of jurisdiction ``prefix`` looks at: of the most
    specific scope covering the jurisdiction that has any fit."""
    fits = WeightFit.objects.filter(scope__in=_prefixes(prefix)).order_by("-created_at", "-id")
    best: WeightFit | None = None
    for fit in fits.only("id", "scope", "created_at"):
        if best is None or len(fit.scope) > len(best.scope):
            best = fit
    return WeightFit.objects.get(pk=best.pk) if best is not None else None


def fit_history(*, prefix: str, limit: int = 10) -> list[WeightFit]:
    """The latest fits of every scope covering the jurisdiction ``prefix``."""
    return list(
        WeightFit.objects.filter(scope__in=_prefixes(prefix))
        .defer("comparison")
        .order_by("-created_at", "-id")[:limit]
    )


def comparison_in_jurisdiction(*, fit: WeightFit, prefix: str) -> list[dict[str, Any]]:
    """The fit's decided pairs either side of which lies in the jurisdiction (as the review
    queue scopes pairs)."""
    return [
        row
        for row in fit.comparison or []
        if any(str(code).startswith(prefix) for code in row.get("regions", []))
    ]
