"""Load the shipped reference data (portal/data/*.json) into the reference tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F

from portal.reference.english import reference_english_fill
from portal.reference.regions import region_table

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _reference_json() -> dict[str, list[dict[str, Any]]]:
    return json.loads((DATA_DIR / "reference.json").read_text(encoding="utf-8"))


def _region_self_parents_repair() -> int:
    """Give rows that are their own parent the shipped level and parent.

    Before issue 10 the shipped table listed 东莞市, 中山市 and 儋州市 a second time as their
    own district, and that row (level 3, parent = itself) is what the sync stored.
    """
    from portal.models.reference import Region

    table = region_table()
    repaired = 0
    for region in Region.objects.filter(parent_code=F("code")):
        row = table.get(region.code)
        if row is None:
            continue
        region.level, region.parent_code = row.level, row.parent
        region.save(update_fields=["level", "parent_code"])
        repaired += 1
    return repaired


@transaction.atomic
def reference_data_sync() -> dict[str, int]:
    """Create missing reference rows; rows staff already edited are left alone.

    Idempotent: runs after every migrate (post_migrate) and from `load_reference_data`.
    """
    from portal.models.reference import CooperationMode, IPType, MaturityLevel, Region, TechField

    data = _reference_json()
    created: dict[str, int] = {}

    existing_regions = set(Region.objects.values_list("code", flat=True))
    new_regions = [
        Region(code=row.code, name=row.name, level=row.level, parent_code=row.parent)
        for row in region_table().values()
        if row.code not in existing_regions
    ]
    Region.objects.bulk_create(new_regions, batch_size=1000)
    created["regions"] = len(new_regions)
    created["regions_repaired"] = _region_self_parents_repair()

    count = 0
    for row in data["tech_fields"]:  # parents come before their children in the file
        parent = TechField.objects.get(code=row["parent"]) if row["parent"] else None
        _obj, was_created = TechField.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "parent": parent, "sort_order": row["sort_order"]},
        )
        count += was_created
    created["tech_fields"] = count

    model: type[CooperationMode | MaturityLevel | IPType]
    for key, model in (
        ("cooperation_modes", CooperationMode),
        ("maturity_levels", MaturityLevel),
        ("ip_types", IPType),
    ):
        count = 0
        for row in data[key]:
            defaults = {k: v for k, v in row.items() if k != "code"}
            _row, row_created = model.objects.get_or_create(code=row["code"], defaults=defaults)
            count += row_created
        created[key] = count
    created["english_names"] = reference_english_fill(_portal_model)
    return created


def _portal_model(name: str) -> Any:
    from django.apps import apps

    return apps.get_model("portal", name)
