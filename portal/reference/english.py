"""English names of the reference data (technology fields, cooperation modes, maturity levels,
IP types), keyed by code, from portal/reference/data/reference_en.json.

Written by hand from the official English forms (the high-tech fields of 国家重点支持的高新
技术领域); region names are in regions_en.json (see regions_en_build.py). The migration that
added ``name_en`` and the post-migrate sync both fill blank ``name_en`` columns from here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

EN_REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "reference_en.json"

# file key → model name in the portal app
REFERENCE_MODELS = {
    "tech_fields": "TechField",
    "cooperation_modes": "CooperationMode",
    "maturity_levels": "MaturityLevel",
    "ip_types": "IPType",
}


@cache
def reference_english_names() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(EN_REFERENCE_FILE.read_text(encoding="utf-8"))
    return data


def reference_english_fill(get_model: Any) -> int:
    """Set ``name_en`` of every row that has none and whose code the file knows.

    ``get_model(name)`` returns the model class (the app registry's, or a migration's
    historical one). Rows staff already named in English are left alone. Returns the count.
    """
    filled = 0
    for key, model_name in REFERENCE_MODELS.items():
        model = get_model(model_name)
        names = reference_english_names()[key]
        for row in model.objects.filter(name_en="", code__in=list(names)):
            row.name_en = names[row.code]
            row.save(update_fields=["name_en"])
            filled += 1
    return filled
