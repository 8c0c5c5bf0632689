"""Near-duplicate postings in a ranked list: the same organisation's same technology listed
twice (a product and its "第二代", a result filed once per patent). A list shows the best
of each group once and says how many similar ones it holds. Pure Python."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from matching.engine.text import normalize

# Edition and version marks that make a title differ without changing what it is about.
_EDITION = re.compile(
    r"[（(]?(?:第[一二三四五六七八九十\d]+代|[一二三四五六七八九十\d]+\.?\d*版|v\d+(?:\.\d+)*|升级版|改进型)[)）]?"
)
TITLE_THRESHOLD = 0.6


def _grams(text: str) -> set[str]:
    text = _EDITION.sub("", normalize(text))
    text = re.sub(r"\W+", "", text)
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two titles' character bigrams, edition marks removed."""
    ga, gb = _grams(a), _grams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / len(ga | gb)


@dataclass(frozen=True)
class Item:
    owner: Hashable  # the organisation (or the institution's name); None: never grouped
    title: str


def groups(items: Sequence[Item], *, threshold: float = TITLE_THRESHOLD) -> list[list[int]]:
    """Indexes of ``items`` (in rank order) grouped: each group starts with its best-ranked
    item; an item joins the first earlier group of the same owner whose head's title is at
    least ``threshold`` similar."""
    out: list[list[int]] = []
    for index, item in enumerate(items):
        for group in out:
            head = items[group[0]]
            if (
                item.owner is not None
                and head.owner == item.owner
                and similarity(head.title, item.title) >= threshold
            ):
                group.append(index)
                break
        else:
            out.append([index])
    return out
