"""Search finds what contains the words (issue 15): compounds the domain dictionary keeps
whole (印染废水, 绿电制氢, 复合材料) are found by their parts; the result set is checked
against a plain containment query over the same rows; whole-word and title hits rank first;
when nothing contains the query, related postings (sub-words, synonyms) are offered apart."""

from __future__ import annotations

import random

import pytest
from django.db.models import Q

from portal.models import Need
from portal.search import query_terms, related_queryset, search_queryset
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db

CORPUS = [
    ("绿电制氢耦合储能系统", "利用弃风弃光电力电解水制氢，配套储氢罐与燃料电池。", "制氢，储能"),
    ("高盐印染废水深度处理", "印染废水含盐量高、色度大，需要催化臭氧氧化脱色。", "印染废水，脱色"),
    ("碳纤维复合材料回收", "热固性复合材料废料的热解回收与再利用。", "复合材料，回收"),
    ("高分子材料注塑缩痕控制", "改性聚丙烯注塑件表面缩痕，需优化保压工艺。", "注塑，缩痕"),
    ("耐高温稀土永磁电机", "电机磁钢在一百八十度下退磁，需低重稀土材料方案。", "稀土，磁钢"),
    ("钢铁烟气脱硫脱硝", "烧结烟气二氧化硫和氮氧化物超低排放改造。", "烟气，脱硫"),
    ("锂离子电池正极材料", "高镍三元正极材料循环寿命不足，需包覆改性。", "正极材料，锂电"),
    ("机床热误差补偿", "主轴热伸长导致尺寸超差，需要在线补偿算法。", "机床，误差补偿"),
]


@pytest.fixture
def needs() -> list[Need]:
    return [NeedFactory(title=t, description=d, keywords=k) for t, d, k in CORPUS]


def _containing(query: str) -> set[int]:
    """The plain containment query: every term of the query in the title, keywords or
    description."""
    qs = Need.objects.all()
    for term in query_terms(query):
        qs = qs.filter(
            Q(title__icontains=term) | Q(keywords__icontains=term) | Q(description__icontains=term)
        )
    return set(qs.values_list("pk", flat=True))


def _found(query: str) -> set[int]:
    found, _terms = search_queryset(Need.objects.all(), query)
    return set(found.values_list("pk", flat=True))


@pytest.mark.parametrize("query", ["废水", "材料", "制氢", "印染", "热", "正极", "烟气 脱硫"])
def test_parts_of_compounds_are_found(needs, query) -> None:  # type: ignore[no-untyped-def]
    expected = _containing(query)
    assert expected, "the corpus contains the query"
    assert _found(query) == expected


def test_every_substring_of_the_corpus_is_found_where_it_occurs(needs) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(15)
    checked = 0
    for title, description, keywords in CORPUS:
        text = title + description + keywords
        for _ in range(12):
            size = rng.randint(2, 4)
            start = rng.randrange(0, max(1, len(text) - size))
            query = text[start : start + size]
            if not query_terms(query):
                continue
            expected = _containing(query)
            found = _found(query)
            assert expected <= found, f"{query!r} misses {expected - found}"
            checked += 1
    assert checked >= 60


def test_whole_word_and_title_hits_rank_first(needs) -> None:  # type: ignore[no-untyped-def]
    found, _terms = search_queryset(Need.objects.all(), "材料")
    titles = [n.title for n in found]
    # 复合材料 / 高分子材料 / 正极材料 hold 材料 in the title; 稀土 mentions it in the text.
    assert titles[-1] == "耐高温稀土永磁电机"
    assert set(titles[:3]) == {"碳纤维复合材料回收", "高分子材料注塑缩痕控制", "锂离子电池正极材料"}


def test_nothing_contains_the_query_so_related_postings_are_offered(needs) -> None:  # type: ignore[no-untyped-def]
    assert _found("氢能") == set()
    related, terms = related_queryset(Need.objects.all(), "氢能")
    assert "制氢" in terms
    assert [n.title for n in related] == ["绿电制氢耦合储能系统"]
    assert _found("污水") == set()
    related, _terms = related_queryset(Need.objects.all(), "污水")
    assert [n.title for n in related] == ["高盐印染废水深度处理"]


def test_a_query_with_nothing_related_offers_nothing(needs) -> None:  # type: ignore[no-untyped-def]
    related, terms = related_queryset(Need.objects.all(), "量子通信")
    assert list(related) == []
    assert "量子" not in terms  # the query's own words are not "related" to it


def test_the_list_page_offers_related_results_apart(needs, client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    page = client.get(reverse("registers:need-list"), {"q": "氢能"}).content.decode()
    assert "没有符合条件的信息" in page
    related = page.split('id="related-results"', 1)[1]
    assert "相关结果" in page
    assert "<mark>制氢</mark>耦合储能系统" in related  # the shared word highlighted
    assert "制氢" in related
    assert 'list="q-suggest"' in page  # the box completes as the user types
    found = client.get(reverse("registers:need-list"), {"q": "制氢"}).content.decode()
    assert "<mark>制氢</mark>耦合储能系统" in found
    assert 'id="related-results"' not in found


def test_text_between_angle_brackets_is_found() -> None:
    need = NeedFactory(title="样品检测方法", description="浓度<5%的样品中，铅含量>1毫克时需复检。")
    assert _containing("铅含量") == {need.pk}
    assert _found("铅含量") == {need.pk}
