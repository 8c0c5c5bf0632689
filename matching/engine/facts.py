"""Structured facts of a document and their row-aligned storage in an index (no Django).

A need, result or expert carries a few structured facts besides its text: field codes,
a region code, a maturity level, cooperation modes, a budget or an asking price, and (for
experts) the capacity left. Every fact is optional; an absent fact makes its factor neutral.

:class:`FactTable` keeps them as numpy columns aligned with the index rows, so the scorer
compares a query with all its candidates in a few vectorised operations.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FactTable", "Facts", "code_levels"]

MAX_FIELDS = 4  # field codes kept per document (experts may list several)
LEVELS = 3  # hierarchy depth compared: e.g. province / city / county, or 门类 / 一级 / 二级

_SEPARATORS = re.compile(r"[/.\-\s>]+")


def code_levels(code: str) -> list[str]:
    """The hierarchy prefixes of a code, broadest first, at most :data:`LEVELS` of them.

    "工学/材料科学/金属材料" -> ["工学", "工学/材料科学", "工学/材料科学/金属材料"];
    digit codes without separators (GB/T 2260 regions, GB/T 13745 disciplines) are cut
    every two digits and trailing "00" groups are ignored: "110105" -> ["11", "1101",
    "110105"], "440000" -> ["44"].
    """
    code = (code or "").strip()
    if not code:
        return []
    parts = [p for p in _SEPARATORS.split(code) if p]
    if len(parts) == 1 and code.isdigit():
        digits = code
        while len(digits) > 2 and digits.endswith("00"):
            digits = digits[:-2]
        parts = [digits[i : i + 2] for i in range(0, len(digits), 2)]
    levels = []
    for i in range(min(len(parts), LEVELS)):
        levels.append("/".join(parts[: i + 1]))
    return levels


@dataclass(frozen=True)
class Facts:
    """Structured facts of one document; every attribute is optional.

    - ``fields``: field/discipline codes (hierarchical, see :func:`code_levels`).
    - ``region``: administrative region code.
    - ``maturity``: for a result its maturity level (1-9, TRL-like); for a need the level it
      expects.
    - ``cooperation``: cooperation modes offered (result/expert) or wanted (need), e.g.
      "transfer", "license", "joint_development", "consulting".
    - ``budget``: a need's budget; ``price``: a result's asking price (same unit).
    - ``capacity``: an expert's capacity left, 0 (fully booked) .. 1 (free).
    """

    fields: tuple[str, ...] = ()
    region: str = ""
    maturity: float | None = None
    cooperation: tuple[str, ...] = ()
    budget: float | None = None
    price: float | None = None
    capacity: float | None = None


def _number(value: float | None) -> float:
    if value is None:
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


class FactTable:
    """Facts as columns aligned with index rows (missing: -1 for codes, NaN for numbers)."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._modes: dict[str, int] = {}
        self.fields = np.full((0, MAX_FIELDS, LEVELS), -1, dtype=np.int32)
        self.region = np.full((0, LEVELS), -1, dtype=np.int32)
        self.maturity = np.zeros(0, dtype=np.float32)
        self.cooperation = np.zeros(0, dtype=np.int64)
        self.price = np.zeros(0, dtype=np.float32)
        self.capacity = np.zeros(0, dtype=np.float32)
        self._any = False

    def __len__(self) -> int:
        return self.maturity.shape[0]

    def _code_ids(self, code: str, *, grow: bool) -> np.ndarray:
        ids = np.full(LEVELS, -1, dtype=np.int32)
        for level, prefix in enumerate(code_levels(code)):
            code_id = self._codes.get(prefix)
            if code_id is None:
                if not grow:
                    code_id = -2  # unknown to the table: matches nothing, yet is "present"
                else:
                    code_id = self._codes[prefix] = len(self._codes)
            ids[level] = code_id
        return ids

    def mode_bits(self, modes: Iterable[str], *, grow: bool) -> int:
        bits = 0
        for mode in modes:
            mode = (mode or "").strip().lower()
            if not mode:
                continue
            bit = self._modes.get(mode)
            if bit is None:
                if not grow or len(self._modes) >= 62:
                    continue
                bit = self._modes[mode] = len(self._modes)
            bits |= 1 << bit
        return bits

    def encode_query(self, facts: Facts | None) -> dict[str, np.ndarray | float | int]:
        """A query's facts in the table's encoding (unknown codes never match)."""
        facts = facts or Facts()
        fields = np.array(
            [self._code_ids(c, grow=False) for c in facts.fields[:MAX_FIELDS] if c],
            dtype=np.int32,
        ).reshape(-1, LEVELS)
        return {
            "fields": fields,
            "region": self._code_ids(facts.region, grow=False),
            "maturity": _number(facts.maturity),
            "cooperation": self.mode_bits(facts.cooperation, grow=False)
            if facts.cooperation
            else 0,
            "cooperation_given": int(bool([m for m in facts.cooperation if m])),
            "budget": _number(facts.budget),
        }

    def append(self, facts: Facts | None) -> None:
        """Add the facts of a new last row."""
        self.extend([facts])

    def extend(self, facts: Sequence[Facts | None]) -> None:
        """Add the facts of new last rows (one concatenation for the whole batch)."""
        n = len(facts)
        field_ids = np.full((n, MAX_FIELDS, LEVELS), -1, dtype=np.int32)
        region = np.full((n, LEVELS), -1, dtype=np.int32)
        maturity = np.full(n, np.nan, dtype=np.float32)
        cooperation = np.zeros(n, dtype=np.int64)
        price = np.full(n, np.nan, dtype=np.float32)
        capacity = np.full(n, np.nan, dtype=np.float32)
        for row, item in enumerate(facts):
            if item is None or item == Facts():
                continue
            self._any = True
            for slot, code in enumerate([c for c in item.fields if c][:MAX_FIELDS]):
                field_ids[row, slot] = self._code_ids(code, grow=True)
            region[row] = self._code_ids(item.region, grow=True)
            maturity[row] = _number(item.maturity)
            cooperation[row] = self.mode_bits(item.cooperation, grow=True)
            price[row] = _number(item.price)
            cap = _number(item.capacity)
            capacity[row] = cap if math.isnan(cap) else min(max(cap, 0.0), 1.0)
        self.fields = np.concatenate([self.fields, field_ids])
        self.region = np.concatenate([self.region, region])
        self.maturity = np.concatenate([self.maturity, maturity])
        self.cooperation = np.concatenate([self.cooperation, cooperation])
        self.price = np.concatenate([self.price, price])
        self.capacity = np.concatenate([self.capacity, capacity])

    def take(self, rows: np.ndarray) -> FactTable:
        """A table of the given rows, in that order (used when the index merges)."""
        table = FactTable()
        table._codes, table._modes = self._codes, self._modes
        table.fields = self.fields[rows]
        table.region = self.region[rows]
        table.maturity = self.maturity[rows]
        table.cooperation = self.cooperation[rows]
        table.price = self.price[rows]
        table.capacity = self.capacity[rows]
        table._any = self._any
        return table

    def any_facts(self) -> bool:
        """True once any row was given any fact (lets fact-free registers skip the math)."""
        return self._any
