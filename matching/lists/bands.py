"""What a pair's score means: bands calibrated on the shared benchmark (bench/calibrate.py).

A pair's score is the need's query against the other side, so two lists' numbers compare
only through what they predict. On the dev split (29,921 top-10 pairs of both tasks, 9.8%
relevant), pairs scoring ≥ 1.528 were relevant 80% of the time (12% of pairs: the *high*
band); the *medium* band starts where the pairs above are still 50% relevant (1.162); the
rest is *low* (0.2% relevant). Re-run ``bench/calibrate.py`` when the weights change.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

HIGH = 1.528
MEDIUM = 1.162

BANDS = {
    "high": _("高"),
    "medium": _("中"),
    "low": _("低"),
}


def score_band(score: float | None) -> str:
    """ "high", "medium" or "low" for a pair's score."""
    if score is None:
        return "low"
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


def band_floor(band: str) -> float | None:
    """The lowest score of a band (None: no floor), for filters."""
    return {"high": HIGH, "medium": MEDIUM}.get(band)
