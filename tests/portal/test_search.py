from __future__ import annotations

import pytest

from portal.models import Need
from portal.search import highlight, search_queryset, snippet
from portal.selectors import need_list_visible_to
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db


def test_a_chinese_query_finds_postings_by_words_of_their_description() -> None:
    wanted = NeedFactory(
        title="印染废水处理", description="印染废水色度高，需要催化臭氧氧化深度脱色。"
    )
    NeedFactory(title="机床热误差补偿", description="主轴热伸长导致尺寸超差。")

    found, terms = search_queryset(Need.objects.all(), "臭氧氧化")

    assert list(found) == [wanted]
    assert "臭氧" in terms


def test_more_matches_rank_higher() -> None:
    weak = NeedFactory(title="废水处理", description="一般工业废水。")
    strong = NeedFactory(title="印染废水脱色", description="印染废水脱色难，印染企业急需脱色技术。")

    found, _terms = search_queryset(Need.objects.all(), "印染 脱色")

    assert list(found)[0] == strong
    assert weak not in found


def test_a_query_of_only_stop_words_or_punctuation_changes_nothing() -> None:
    NeedFactory()

    found, terms = search_queryset(Need.objects.all(), "的 ，。！")

    assert terms == []
    assert found.count() == 1


def test_search_never_reveals_what_the_viewer_may_not_see(charlie, org_a) -> None:
    NeedFactory(organization=org_a, status="draft", description="独家配方的臭氧催化剂。")

    found, _terms = search_queryset(need_list_visible_to(user=charlie), "臭氧")

    assert found.count() == 0


def test_highlighting_escapes_everything_but_the_marks() -> None:
    html = highlight("<script>臭氧</script> 氧化", ["臭氧"])

    assert html == "&lt;script&gt;<mark>臭氧</mark>&lt;/script&gt; 氧化"


def test_snippets_start_near_the_first_match() -> None:
    text = "前言" * 100 + "关键的臭氧技术" + "结尾" * 100

    excerpt = snippet(text, ["臭氧"], width=40)

    assert "<mark>臭氧</mark>" in excerpt
    assert excerpt.startswith("…")
