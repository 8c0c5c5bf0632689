"""The division table: checked when it loads, never loops, and 东莞市 is a place one can work in."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Membership, Organization
from portal.models import Need, PostingStatus, Region, TechField
from portal.reference import regions
from portal.reference.regions import (
    RegionRow,
    RegionTableError,
    region_full_name,
    region_table_validate,
)
from portal.reference.sync import reference_data_sync
from portal.services import postings
from tests.accounts.factories import OrganizationFactory, member
from tests.portal.conftest import client_for, need_data

CITIES_WITHOUT_DISTRICTS = [
    ("441900", "440000", "广东省 东莞市"),
    ("442000", "440000", "广东省 中山市"),
    ("460400", "460000", "海南省 儋州市"),
]


def _shipped_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(regions.DATA_FILE.read_text(encoding="utf-8"))
    return rows


def test_the_shipped_table_has_unique_codes_existing_parents_no_cycles_and_consistent_levels():
    rows = _shipped_rows()
    by_code = {row["code"]: row for row in rows}

    assert [code for code, n in Counter(row["code"] for row in rows).items() if n > 1] == []
    for row in rows:
        parent, steps = row["parent"], 0
        while parent:
            assert parent in by_code, f"{row['code']}: parent {parent} missing"
            steps += 1
            assert steps < row["level"], f"{row['code']}: parents loop"
            parent = by_code[parent]["parent"]
        assert steps == row["level"] - 1, f"{row['code']}: level {row['level']}, depth {steps}"
    assert len(regions.region_table()) == len(rows)


@pytest.mark.parametrize(("code", "province", "full_name"), CITIES_WITHOUT_DISTRICTS)
def test_the_cities_without_districts_sit_under_their_province(code, province, full_name):
    row = regions.region_table()[code]

    assert (row.level, row.parent) == (2, province)
    assert region_full_name(code) == full_name
    assert (code, full_name) in regions.region_choices()


@pytest.fixture
def table_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A division file of the test's own in place of the shipped one."""
    path = tmp_path / "regions.json"
    monkeypatch.setattr(regions, "DATA_FILE", path)
    regions.region_table.cache_clear()
    yield path
    regions.region_table.cache_clear()


def _rows(*rows: tuple[str, str, int, str]) -> list[dict[str, object]]:
    return [{"code": c, "name": n, "level": lv, "parent": p} for c, n, lv, p in rows]


def test_a_table_with_a_cycle_is_refused_at_load_naming_the_code(table_file: Path):
    table_file.write_text(
        json.dumps(
            _rows(
                ("440000", "广东省", 1, ""),
                ("441900", "东莞市", 2, "441901"),
                ("441901", "东莞市", 3, "441900"),
            )
        ),
        encoding="utf-8",
    )

    with pytest.raises(RegionTableError, match=r"441900.*cycle"):
        regions.region_table()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("441900", "东莞市", 3, "441900")], "441900: it is its own parent"),
        ([("441900", "东莞市", 2, "440000")], "441900: parent 440000 does not exist"),
        (
            [("440000", "广东省", 1, ""), ("441900", "东莞市", 3, "440000")],
            "441900: level 3 under parent 440000 of level 1",
        ),
        (
            [("440000", "广东省", 1, ""), ("440000", "广东省", 1, "")],
            "440000: the code appears twice",
        ),
        (
            [("440000", "广东省", 1, ""), ("450100", "南宁市", 2, "440000")],
            "450100: not inside the prefix of its parent 440000",
        ),
    ],
)
def test_an_inconsistent_table_is_refused_naming_the_bad_code(rows, message):
    with pytest.raises(RegionTableError, match=message):
        region_table_validate(RegionRow(*row) for row in rows)


def test_a_full_name_is_a_bounded_walk_even_on_an_unchecked_table():
    # The shape of the shipped bug, bypassing validation: a city that is its own parent.
    table = {"441900": RegionRow("441900", "东莞市", 3, "441900")}

    assert regions._full_name(table, "441900") == "东莞市"


@pytest.mark.django_db
def test_the_sync_repairs_regions_stored_as_their_own_parent():
    Region.objects.filter(code="441900").update(level=3, parent_code="441900")

    reference_data_sync()

    region = Region.objects.get(code="441900")
    assert (region.level, region.parent_code) == (2, "440000")


@pytest.mark.django_db
def test_regions_api_at_level_3_answers_fast_with_the_whole_bounded_table():
    client = Client()
    client.get("/api/regions/?level=1")  # warm the URL resolver and the DRF machinery

    started = time.perf_counter()
    response = client.get("/api/regions/?level=3")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == len(regions.region_table())  # every division once, nothing more
    assert elapsed < 1.0  # was: never returned (issue 10); about 20 ms warm
    by_code = {row["code"]: row for row in rows}
    for code, province, full_name in CITIES_WITHOUT_DISTRICTS:
        assert by_code[code]["full_name"] == full_name
        assert by_code[code]["parent"] == province
    assert by_code["110101"]["full_name"] == "北京市 东城区"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?level=2", "?parent=440000"])
def test_regions_api_lists_dongguan_as_a_city_of_guangdong(query: str):
    rows = Client().get(f"/api/regions/{query}").json()

    assert {
        "code": "441900",
        "name": "东莞市",
        "full_name": "广东省 东莞市",
        "level": 2,
        "parent": "440000",
    } in rows
    assert all(row["level"] <= 2 for row in rows)


@pytest.fixture
def dongguan_org(db: None) -> Organization:
    return OrganizationFactory(name="东莞精工模具有限公司", region_code="441900")


def test_an_organisation_in_dongguan_posts_a_need_through_the_service(dongguan_org):
    user = member("dora", dongguan_org, Membership.Role.ENTERPRISE)

    need = postings.posting_create(
        kind="need", by=user, data=need_data(region_code="441900"), submit=True
    )

    assert need.status == PostingStatus.SUBMITTED
    assert need.region_name == "广东省 东莞市"
    assert dongguan_org.region_name == "广东省 东莞市"


def test_an_organisation_in_dongguan_posts_a_need_through_the_browser_form(dongguan_org):
    client = client_for(member("dora", dongguan_org, Membership.Role.ENTERPRISE))
    form_page = client.get("/needs/new/").content.decode()
    assert 'value="441900"' in form_page

    response = client.post(
        "/needs/new/",
        {
            "title": "注塑模具冷却水路优化",
            "description": "注塑件冷却不均导致翘曲，希望优化模具冷却水路设计。",
            "fields": [TechField.objects.get(code="0403").pk],
            "region_code": "441900",
            "action": "save",
        },
    )

    assert response.status_code == 302
    need = Need.objects.get(organization=dongguan_org)
    assert need.region_code == "441900"
    assert "广东省 东莞市" in client.get(f"/needs/{need.pk}/").content.decode()
