"""How answerable a need is: a 0–100 score and the concrete prompts that would raise it.

One rule set for the need form (live panel), the API (``completeness``) and the staff review
queue. Pure reading: nothing is written. A need written too vaguely to answer is the most
common complaint about such portals, so each missing item says what to add, in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from portal.models import Need, TechField

DESCRIPTION_MIN_CHARS = 150
KEYWORDS_MIN = 3

# code → weight; the weights add up to 100.
WEIGHTS: dict[str, int] = {
    "description_short": 25,
    "no_targets": 20,
    "keywords": 15,
    "no_budget": 10,
    "no_modes": 10,
    "field_general": 10,
    "no_deadline": 10,
}

_NUMBER = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)"
_UNITS = (
    r"(?:%|％|‰|℃|°C|度|摄氏度|MPa|GPa|kPa|Pa|kN|N·m|mm|μm|um|nm|cm|km|m³|m2|m²|kg|mg/L|mg|"
    r"g/L|ppm|ppb|kW|MW|kWh|W|V|A|Hz|dB|h|s|min|吨|千克|公斤|克|毫克|米|毫米|微米|纳米|厘米|"
    r"公里|千米|平方米|立方米|亩|小时|分钟|秒|倍|成|帧|转|瓦|千瓦|伏|安|赫兹|分贝)"
)
# A quantity: "99.5%", "2 秒", "零下四十度", "百分之三十", "一倍". Money, dates and counts
# (万元, 年, 件) are left out: a budget or a deadline in the text is not a technical target.
_QUANTITY = re.compile(rf"{_NUMBER}\s*{_UNITS}|百分之|千分之|[<>≤≥±]\s*\d", re.IGNORECASE)
# An indicator word followed closely by a number: "强度不低于 300", "COD 低于五十".
_INDICATOR_VALUE = re.compile(
    r"(?:温度|精度|强度|韧性|硬度|效率|得率|收率|寿命|纯度|含量|浓度|能耗|误差|检出率|合格率|"
    r"良率|误报率|漏检率|节拍|续航|矫顽力|功率|容量|速度|压力|粘度|黏度|产能|指标|COD|pH)"
    rf"[^。；;，,]{{0,10}}?{_NUMBER}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Item:
    code: str
    message: str


@dataclass(frozen=True)
class Completeness:
    score: int
    missing: list[Item] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "missing": [{"code": i.code, "message": i.message} for i in self.missing],
        }


def _messages() -> dict[str, str]:
    # Built per call so the active language applies.
    return {
        "description_short": _(
            "描述偏短（不足 %(n)s 字）：写明现状、遇到的问题、已尝试的办法和期望的成果。"
        )
        % {"n": DESCRIPTION_MIN_CHARS},
        "no_targets": _(
            "没有可量化的技术指标：写明要达到的数值和单位，如温度、精度、强度、产能（吨/年）、"
            "合格率（%）、压力（MPa）等。"
        ),
        "keywords": _("关键词不足 %(n)s 个：补充技术名词，便于匹配到对口的成果和专家。")
        % {"n": KEYWORDS_MIN},
        "no_budget": _("未填写预算：给出预计投入的经费范围（万元），对方才能判断能否承接。"),
        "no_modes": _("未选择合作方式：如技术开发、技术转让、技术咨询等。"),
        "field_general": _("技术领域过于笼统：请选择具体的二级领域，而不只是一级大类。"),
        "no_deadline": _("未填写截止日期：说明希望在什么时间之前解决。"),
    }


def has_technical_targets(text: str) -> bool:
    """Does the text state a measurable target (a number with a unit, or an indicator
    with a number)?"""
    return bool(_QUANTITY.search(text) or _INDICATOR_VALUE.search(text))


def _keyword_list(text: str) -> list[str]:
    for sep in "，、;；|/\n ":
        text = text.replace(sep, ",")
    return [word.strip() for word in text.split(",") if word.strip()]


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str | int | TechField):
        return [value]
    if hasattr(value, "all"):  # a related manager or queryset
        return list(value.all())
    return list(value)


def _fields_specific(values: Iterable[Any]) -> bool | None:
    """True if a second-level field is chosen, False if only top-level ones, None if none."""
    items = list(values)
    if not items:
        return None
    objects = [v for v in items if isinstance(v, TechField)]
    keys = [v for v in items if not isinstance(v, TechField)]
    pks = [int(k) for k in keys if str(k).isdigit()]
    codes = [str(k) for k in keys if not str(k).isdigit()]
    if pks or codes:
        objects += list(
            TechField.objects.filter(pk__in=pks) | TechField.objects.filter(code__in=codes)
        )
    if not objects:
        return None
    return any(item.parent_id is not None for item in objects)


def _from_need(need: Need) -> dict[str, Any]:
    return {
        "title": need.title,
        "description": need.description,
        "keywords": need.keywords,
        "budget_min": need.budget_min,
        "budget_max": need.budget_max,
        "deadline": need.deadline,
        "fields": list(need.fields.all()) if need.pk else [],
        "cooperation_modes": list(need.cooperation_modes.all()) if need.pk else [],
    }


def need_completeness(data_or_need: Need | Mapping[str, Any]) -> Completeness:
    """Score a need (a saved ``Need`` or the form's / API's raw values) and list what is
    missing, most valuable first. Prefetch ``fields`` and ``cooperation_modes`` for lists."""
    data = _from_need(data_or_need) if isinstance(data_or_need, Need) else data_or_need
    description = str(data.get("description") or "").strip()
    title = str(data.get("title") or "").strip()
    missing: list[str] = []
    if len(description) < DESCRIPTION_MIN_CHARS:
        missing.append("description_short")
    if not has_technical_targets(description):
        missing.append("no_targets")
    keywords = data.get("keywords") or ""
    keyword_count = (
        len(_keyword_list(keywords)) if isinstance(keywords, str) else len(list(keywords))
    )
    if keyword_count < KEYWORDS_MIN:
        missing.append("keywords")
    if not (_present(data.get("budget_min")) or _present(data.get("budget_max"))):
        missing.append("no_budget")
    if not _as_list(data.get("cooperation_modes")):
        missing.append("no_modes")
    if not _fields_specific(_as_list(data.get("fields"))):
        missing.append("field_general")
    if not _present(data.get("deadline")):
        missing.append("no_deadline")
    # An empty draft scores 0, not the points of the checks it cannot fail yet.
    score = 0 if not (title or description) else 100 - sum(WEIGHTS[c] for c in missing)
    messages = _messages()
    return Completeness(
        score=max(0, score), missing=[Item(code=c, message=messages[c]) for c in missing]
    )
