"""Which shared terms are worth showing as evidence for a match.

The scorer counts every shared term; a person reading "why this match" needs the ones that
carry meaning. Left out: numbers and measurements (800, 30%, 100kw, 800吨), single
characters (约, 吨, 高), units and quantity words, and generic words every need and result
use (技术, 问题, 研究, 提高, 方法). A phrase ("光催化 降解") is kept when either half carries
meaning. Pure Python.

The same module holds the minimum-evidence rule (:func:`enough_evidence`): how much has to
link a need to a result or an expert before the portal suggests the pair."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from matching.engine.text import PHRASE_SEP, normalize

# A number, optionally with a unit ("5g" stays: it is read as the network, not 5 grams).
_NUMBER = re.compile(
    r"^[\d.,:/%~\-+]+(?:kwh|kw|mw|gw|w|kg|mg|t|mm|cm|km|nm|um|μm|m|ml|l|kv|v|ma|a|"
    r"ghz|mhz|khz|hz|mpa|kpa|pa|db|rpm|%|‰|°c|℃|°)?$"
)
_HAN_MEASURE = re.compile(r"^[\d.]+[\u4e00-\u9fff%]{1,2}$")
_UNITS = (
    "吨 千克 公斤 克 毫克 米 厘米 毫米 微米 纳米 公里 千米 升 毫升 立方 立方米 平方米 亩 公顷 "
    "度 摄氏度 小时 分钟 秒 天 日 月 年 年度 万元 亿元 元 万 亿 千 百 个 台 套 件 项 家 次 倍 "
    "兆瓦 千瓦 瓦 伏 安 赫兹 帕 兆帕 千帕 吨级 以上 以下 左右 约 达到 超过 不足"
)
UNITS = frozenset(_UNITS.split())
_GENERIC = (
    "技术 问题 研究 方法 方案 提高 提升 进行 采用 需要 需求 实现 应用 开发 解决 利用 基于 "
    "目前 现有 相关 主要 工作 企业 公司 产品 项目 系统 过程 效果 能力 水平 情况 要求 条件 "
    "方面 影响 作用 分析 设计 使用 具有 可以 能够 通过 进一步 有效 明显 较高 较好 良好 "
    "希望 寻求 合作 单位 团队 我们 本 该 其 新 高 低 大 小 多 好"
)
GENERIC = frozenset(_GENERIC.split())


def carries_meaning(term: str) -> bool:
    """True for a term worth showing as evidence."""
    term = normalize(term)
    if PHRASE_SEP in term:
        return any(carries_meaning(half) for half in term.split(PHRASE_SEP))
    if len(term) < 2 or term in UNITS or term in GENERIC:
        return False
    return not (_NUMBER.match(term) or _HAN_MEASURE.match(term))


# ---------------------------------------------------------------------------- minimum evidence

# A term held by more than this share of a register's documents is *general* (稀土 in a
# register of rare-earth results): one such shared term is not a reason to recommend.
# Measured by bench/evidence.py on the CSL dev split (bench/results.md, "Minimum evidence").
GENERAL_SHARE = 0.04
# Topic cosine (LSA, towards the query and its best matches) at or above which a pair is on
# the query's subject even with no more than one shared general term. Measured alike.
MIN_TOPIC = 0.3


@dataclass(frozen=True)
class Evidence:
    """What links a query to one candidate, as far as the engine knows.

    ``terms``: the shared single terms that carry meaning (:func:`carries_meaning`), each
    with its document frequency in the candidate's register; ``documents``: the register's
    live documents; ``topic``: the candidate's topic cosine (0 while the register is too
    small for topics). Phrase terms are left out: a shared phrase's words are shared too.
    """

    terms: tuple[tuple[str, int], ...]
    documents: int
    topic: float


def evidence_of(shared: Iterable[tuple[str, int]], *, documents: int, topic: float) -> Evidence:
    """:class:`Evidence` from a pair's shared terms (term, document frequency)."""
    kept = tuple(
        sorted(
            (term, int(df))
            for term, df in shared
            if PHRASE_SEP not in term and carries_meaning(term)
        )
    )
    return Evidence(kept, int(documents), float(topic))


def is_general(df: int, documents: int, *, share: float = GENERAL_SHARE) -> bool:
    """True for a term more than ``share`` of the documents hold. A term only the candidate
    holds (df 1) is specific whatever the register's size: on a register of 20 documents
    one document is already 5 %."""
    return df > 1 and df > share * documents


def enough_evidence(
    evidence: Evidence, *, general_share: float = GENERAL_SHARE, min_topic: float = MIN_TOPIC
) -> bool:
    """The minimum-evidence rule: a pair may be recommended when it shares at least two
    meaningful terms, or one specific term, or is on the query's subject (topic cosine at or
    above ``min_topic``). A pair that shares one general term and nothing else, or only
    filler (units, numbers, generic words), is not."""
    if len(evidence.terms) >= 2 or evidence.topic >= min_topic:
        return True
    return any(
        not is_general(df, evidence.documents, share=general_share) for _t, df in evidence.terms
    )
