"""The domain user dictionary (matching.dictionary): terms, versioning, one shared loader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matching.engine import bench_cli, text
from matching.lists import dictionary, services
from matching.lists import engine_api as adapter
from matching.models import DocumentTerms, IndexState
from portal import search
from portal.models import PostingStatus
from tests.matching.factories import (
    ExpertFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
)

pytestmark = pytest.mark.django_db

KEYWORD = "石墨烯防腐涂层"  # plain jieba: 石墨 / 烯 / 防腐 / 涂层


@pytest.fixture(autouse=True)
def clean_dictionary() -> Iterator[None]:
    """The installed dictionary is process state: every test starts and ends without one."""
    dictionary.reset_process_state()
    yield
    dictionary.reset_process_state()


def test_taxonomy_names_are_split_into_useful_pieces() -> None:
    terms = dictionary.taxonomy_terms(
        ["水污染控制与水资源利用技术", "计算机产品及其网络应用技术", "医疗仪器、设备与医学专用软件"]
    )
    assert {"水污染控制", "水资源利用技术", "计算机产品", "网络应用技术", "医疗仪器"} <= terms
    assert "医学专用软件" in terms
    assert "水污染控制与水资源利用技术" not in terms  # too long to be a useful token
    assert all(2 <= len(t) <= 8 for t in terms)


def test_keyword_fields_are_split_on_every_separator() -> None:
    terms = dictionary.keyword_terms(["石墨烯,防腐涂层；界面钝化、MOFs；5G基站|x", ""])
    assert {"石墨烯", "防腐涂层", "界面钝化", "5g基站"} <= terms
    assert "mofs" not in terms  # the tokeniser keeps plain Latin/digit runs whole anyway
    assert "x" not in terms


def test_domain_terms_come_from_the_taxonomy_and_published_keywords() -> None:
    ResultFactory(keywords=f"{KEYWORD},界面钝化")
    ExpertFactory(keywords="膜分离")
    NeedFactory(keywords="草稿关键词", status=PostingStatus.DRAFT)
    terms = dictionary.domain_terms()
    assert {KEYWORD, "界面钝化", "膜分离"} <= terms
    assert "水资源利用技术" in terms  # from the TechField reference data
    assert "草稿关键词" not in terms  # unpublished postings do not shape the dictionary


def test_nothing_is_installed_before_the_first_refresh() -> None:
    ResultFactory(keywords=KEYWORD)
    assert dictionary.ensure_domain_dictionary(force=True) is None
    assert KEYWORD not in search.tokenize(f"研究{KEYWORD}的制备")


def test_after_a_refresh_taxonomy_and_keyword_terms_come_out_whole() -> None:
    ResultFactory(keywords=KEYWORD)
    assert dictionary.dictionary_refresh() is True
    tokens = search.tokenize(f"我们研究{KEYWORD}的制备，服务水资源利用技术推广")
    assert KEYWORD in tokens
    assert "水资源利用技术" in tokens
    stats = adapter.analyze(title=f"{KEYWORD}新工艺", keywords=[KEYWORD], body="")
    assert stats.fields["title"].get(KEYWORD) == 1
    assert stats.fields["keywords"].get(KEYWORD) == 1


def test_a_refresh_without_changes_does_not_move_the_version() -> None:
    ResultFactory(keywords=KEYWORD)
    assert dictionary.dictionary_refresh() is True
    version = IndexState.objects.get(kind=dictionary.DICTIONARY_KIND).version
    assert dictionary.dictionary_refresh() is False
    assert IndexState.objects.get(kind=dictionary.DICTIONARY_KIND).version == version


def test_the_dictionary_reloads_when_the_stored_version_moves(monkeypatch) -> None:
    ResultFactory(keywords=KEYWORD)
    dictionary.dictionary_refresh()
    first = dictionary.installed_digest()
    assert first is not None
    # another process refreshes after a new keyword was published
    ResultFactory(keywords="臭氧催化氧化")
    clock = [1000.0]
    monkeypatch.setattr(dictionary, "_clock", lambda: clock[0])
    dictionary.ensure_domain_dictionary(force=True)  # checked at t=1000
    with monkeypatch.context() as patched:
        # the other process's refresh must not install anything here
        patched.setattr(dictionary, "ensure_domain_dictionary", lambda **_: None)
        assert dictionary.dictionary_refresh() is True
    moved = IndexState.objects.get(kind=dictionary.DICTIONARY_KIND)
    assert moved.version == 2
    assert dictionary.installed_digest() == first
    # within the check interval the hot path does not even look
    clock[0] += 1
    assert "臭氧催化氧化" not in search.tokenize("臭氧催化氧化处理")
    # after it, the next tokenising call sees the new version and installs it
    clock[0] += 60
    assert "臭氧催化氧化" in search.tokenize("臭氧催化氧化处理")
    assert dictionary.installed_digest() == moved.generation != first


def test_the_terms_are_rebuilt_from_the_database_when_the_cache_lost_them() -> None:
    from django.core.cache import cache

    ResultFactory(keywords=KEYWORD)
    dictionary.dictionary_refresh()
    cache.clear()
    dictionary.reset_process_state()
    assert dictionary.ensure_domain_dictionary(force=True) is not None
    assert KEYWORD in text.tokenize(KEYWORD)


def test_a_lost_stamp_takes_the_domain_terms_out_again() -> None:
    ResultFactory(keywords=KEYWORD)
    dictionary.dictionary_refresh()
    IndexState.objects.filter(kind=dictionary.DICTIONARY_KIND).delete()
    assert dictionary.ensure_domain_dictionary(force=True) is None
    assert KEYWORD not in text.tokenize(KEYWORD)


def test_search_and_matching_cut_a_keyword_phrase_alike() -> None:
    phrase = f"{KEYWORD}界面钝化工艺"
    ResultFactory(keywords=f"{KEYWORD},界面钝化")
    dictionary.dictionary_refresh()
    search_tokens = search.tokenize(phrase)
    stats = adapter.analyze(title=phrase, keywords=[], body="")
    matching_tokens = [t for t in stats.fields["title"] if text.PHRASE_SEP not in t]
    assert search_tokens == matching_tokens
    assert KEYWORD in search_tokens
    assert "界面钝化" in search_tokens
    stored = search.search_tokens_for(title=phrase, keywords="", body=[]).split()
    # the title counts twice; the character grams every substring query meets follow, and
    # the head ends (nothing of a body comes after it here)
    assert stored[: 2 * len(search_tokens)] == search_tokens + search_tokens
    assert stored[2 * len(search_tokens) :] == [*search.char_grams(phrase), search.HEAD_END]


def test_a_change_marks_term_statistics_and_search_tokens_for_retokenising() -> None:
    result = ResultFactory(title=f"{KEYWORD}新工艺", keywords="防腐")
    services.document_index(kind="result", pk=result.pk)
    DocumentTerms.objects.filter(kind="result", object_id=result.pk).update(stale=False)
    row = DocumentTerms.objects.get(kind="result", object_id=result.pk)
    assert KEYWORD not in row.terms["title"]
    assert row.content_hash
    ResultFactory(keywords=KEYWORD)  # publishing the keyword elsewhere changes nothing yet
    assert dictionary.dictionary_refresh() is True
    row.refresh_from_db()
    assert row.content_hash == ""  # the nightly rematch's index pass re-tokenises it
    assert row.stale is False  # ... rather than the per-document queue
    services.document_index(kind="result", pk=result.pk)
    row.refresh_from_db()
    assert row.terms["title"].get(KEYWORD) == 1
    assert dictionary.search_tokens_refresh() >= 1
    result.refresh_from_db()
    assert KEYWORD in result.search_tokens.split()


def test_match_bench_is_dictionary_free(tmp_path: Path, monkeypatch) -> None:
    ResultFactory(keywords=KEYWORD)
    dictionary.dictionary_refresh()
    dictionary.reset_process_state()

    def forbidden(**_kwargs: object) -> None:
        raise AssertionError("match_bench must not read the portal's dictionary")

    monkeypatch.setattr(dictionary, "ensure_domain_dictionary", forbidden)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(f'{{"id": "d1", "text": "{KEYWORD}的制备"}}\n', encoding="utf-8")
    queries = tmp_path / "q.jsonl"
    queries.write_text(f'{{"id": "q1", "text": "{KEYWORD}"}}\n', encoding="utf-8")
    bench_cli.run(queries, corpus, tmp_path / "out.jsonl", top=1, processes=1)
    assert KEYWORD not in text.tokenize(KEYWORD)
