"""Which shared terms are worth showing as evidence for a match.

The scorer counts every shared term; a person reading "why this match" needs the ones that
carry meaning. Left out: numbers and measurements (800, 30%, 100kw, 800吨), single
characters (约, 吨, 高), units and quantity words, and generic words every need and result
use (技术, 问题, 研究, 提高, 方法). A phrase ("光催化 降解") is kept when either half carries
meaning. Pure Python."""

from __future__ import annotations

import re

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
