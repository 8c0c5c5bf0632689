"""Turn a stored explanation (engine JSON) into what a page or the API shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from matching.engine.evidence import carries_meaning
from matching.engine.text import PHRASE_SEP

FACTOR_LABELS: dict[str, Any] = {
    "lexical": _("文本相似度"),
    "topic": _("主题相近度"),
    "field": _("技术领域"),
    "region": _("地区"),
    "maturity": _("成熟度"),
    "cooperation": _("合作方式"),
    "budget": _("预算与报价"),
    "capacity": _("专家可承接余量"),
}


@dataclass(frozen=True)
class Part:
    name: str
    label: str
    contribution: float
    value: float | None = None


@dataclass(frozen=True)
class Explanation:
    terms: list[str]
    parts: list[Part]


def explanation_summary(data: dict[str, Any] | None, *, max_terms: int = 8) -> Explanation:
    """Shared terms that carry meaning (no numbers, units, single characters or generic
    words; phrases shown without their joining space) and every part's contribution, text
    first, then the structured factors that applied, largest first."""
    data = data or {}
    terms: list[str] = []
    for item in data.get("terms") or []:
        term = str(item.get("term", "")) if isinstance(item, dict) else str(item)
        if not carries_meaning(term):
            continue
        term = term.replace(PHRASE_SEP, "")
        if term and term not in terms:
            terms.append(term)
    parts = [
        Part(name, str(FACTOR_LABELS.get(name, name)), float(value))
        for name, value in (data.get("text") or {}).items()
        if isinstance(value, int | float)
    ]
    factors = []
    for name, item in (data.get("factors") or {}).items():
        if not isinstance(item, dict):
            continue  # None: the fact is missing on one side, the factor was neutral
        factors.append(
            Part(
                name,
                str(FACTOR_LABELS.get(name, name)),
                float(item.get("contribution", 0.0)),
                float(item["value"]) if item.get("value") is not None else None,
            )
        )
    factors.sort(key=lambda p: -abs(p.contribution))
    return Explanation(terms[:max_terms], parts + factors)
