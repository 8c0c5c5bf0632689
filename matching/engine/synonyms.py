"""Synonym and near-synonym groups of the portal's domain (data/synonyms.txt), for queries
and documents to meet across words that mean the same here (氢能/氢气/制氢, 污水/废水,
检测/监测). Pure Python, loaded once."""

from __future__ import annotations

import functools
from pathlib import Path

from matching.engine.text import normalize

_PATH = Path(__file__).with_name("data") / "synonyms.txt"


@functools.cache
def groups() -> dict[str, frozenset[str]]:
    """Each term → every term of the groups it belongs to (itself included)."""
    found: dict[str, set[str]] = {}
    for line in _PATH.read_text(encoding="utf-8").splitlines():
        words = [normalize(w) for w in line.split("#", 1)[0].split()]
        words = [w for w in words if w]
        for word in words:
            found.setdefault(word, set()).update(words)
    return {word: frozenset(group) for word, group in found.items()}


def synonyms_of(term: str) -> list[str]:
    """The term's synonyms (not the term itself), in a stable order."""
    term = normalize(term)
    return sorted(groups().get(term, frozenset()) - {term})
