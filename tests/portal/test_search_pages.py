"""A list pages a search's matches in bounded work on PostgreSQL (portal.search.RankedMatches):
title and keyword hits first, best ranked, then the other matches newest first; every match
once, whatever the page."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from portal.models import Need
from portal.search import ranked_matches, search_queryset
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs() -> list[Need]:
    older_title_hits = [
        NeedFactory(title="复合材料回收", description="热固性废料再利用。", keywords=""),
        NeedFactory(title="正极材料包覆", description="循环寿命不足。", keywords=""),
    ]
    body_hits = [
        NeedFactory(title=f"电机退磁问题{i}", description="需要低重稀土材料方案。", keywords="")
        for i in range(5)
    ]
    keyword_hit = NeedFactory(title="注塑缩痕控制", description="保压工艺。", keywords="材料")
    NeedFactory(title="机床热误差补偿", description="主轴热伸长。", keywords="")
    return [*older_title_hits, *body_hits, keyword_hit]


def _pages(query: str, size: int) -> list[list[str]]:
    found, terms = search_queryset(Need.objects.all(), query)
    rows = ranked_matches(found, terms)
    total = found.count()
    return [[n.title for n in rows[i : i + size]] for i in range(0, total, size)]


def test_title_and_keyword_hits_come_before_newer_text_hits(needs) -> None:  # type: ignore[no-untyped-def]
    pages = _pages("材料", 3)
    first = pages[0]
    assert set(first[:2]) == {"复合材料回收", "正极材料包覆"}
    assert first[2] == "注塑缩痕控制"


def test_every_match_appears_once_across_the_pages(needs) -> None:  # type: ignore[no-untyped-def]
    titles = [t for page in _pages("材料", 3) for t in page]
    assert len(titles) == 8
    assert len(set(titles)) == 8
    assert "机床热误差补偿" not in titles


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pages by tiers")
def test_text_hits_follow_newest_first(needs) -> None:  # type: ignore[no-untyped-def]
    titles = [t for page in _pages("材料", 3) for t in page]
    assert titles[3:] == [f"电机退磁问题{i}" for i in reversed(range(5))]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL pages by tiers")
def test_only_the_newest_title_hits_are_ranked_the_older_follow_by_date(  # type: ignore[no-untyped-def]
    needs, monkeypatch
) -> None:
    monkeypatch.setattr("portal.search.HEAD_CANDIDATES", 2)
    titles = [t for page in _pages("材料", 3) for t in page]
    assert titles[:2] == ["正极材料包覆", "注塑缩痕控制"]
    assert titles[2:] == [*[f"电机退磁问题{i}" for i in reversed(range(5))], "复合材料回收"]


def test_the_api_pages_a_search_like_the_list(  # type: ignore[no-untyped-def]
    needs, monkeypatch
) -> None:
    """/api/needs/?q= ranks the same bounded head as the list and still returns every match
    once, page after page."""
    monkeypatch.setattr("portal.search.HEAD_CANDIDATES", 2)
    client = APIClient()
    first = client.get("/api/needs/", {"q": "材料", "page_size": 3}).json()
    assert first["count"] == 8
    titles = [row["title"] for row in first["results"]]
    for page in (2, 3):
        body = client.get("/api/needs/", {"q": "材料", "page_size": 3, "page": page}).json()
        titles += [row["title"] for row in body["results"]]
    assert len(titles) == 8
    assert len(set(titles)) == 8
    assert set(titles[:2]) <= {"复合材料回收", "正极材料包覆", "注塑缩痕控制"}
    assert "机床热误差补偿" not in titles
