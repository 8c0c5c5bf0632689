from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from matching.lists import documents, index_cache, services, store
from matching.lists import engine_api as adapter
from matching.models import (
    DocumentTerms,
    IndexState,
    Match,
    MatchStatus,
    MatchTransition,
    PairKind,
    Recommendation,
)
from portal.models import PostingStatus
from tests.matching.factories import (
    SOLAR_EXPERT,
    SOLAR_NEED,
    SOLAR_RESULT,
    WATER_EXPERT,
    WATER_RESULT,
    ExpertFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
    maturity,
    publish,
)

pytestmark = pytest.mark.django_db


def _ranked(owner_kind: str, owner_id: int, target_kind: str) -> list[Match]:
    """A document's ranked list of one kind, best first."""
    entries = Recommendation.objects.filter(
        owner_kind=owner_kind, owner_id=owner_id, target_kind=target_kind
    ).select_related("match")
    return [entry.match for entry in entries.order_by("rank")]


@pytest.fixture
def corpus() -> dict[str, Any]:
    solar = ResultFactory(**SOLAR_RESULT, field_codes=["0601"], maturity=maturity("pilot"))
    water = ResultFactory(**WATER_RESULT, field_codes=["0701"])
    solar_expert = ExpertFactory(**SOLAR_EXPERT, field_codes=["0601"])
    water_expert = ExpertFactory(**WATER_EXPERT)
    for kind, obj in [
        ("result", solar),
        ("result", water),
        ("expert", solar_expert),
        ("expert", water_expert),
    ]:
        services.document_index(kind=kind, pk=obj.pk)
    return {
        "solar": solar,
        "water": water,
        "solar_expert": solar_expert,
        "water_expert": water_expert,
    }


def test_a_published_need_gets_suggested_results_and_experts_with_explanations(
    corpus: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    need = NeedFactory(**SOLAR_NEED, field_codes=["0601"], expected_maturity=maturity("pilot"))
    with django_capture_on_commit_callbacks(execute=True):
        publish(need, "need")

    results = _ranked("need", need.pk, "result")
    experts = _ranked("need", need.pk, "expert")
    assert results[0].result == corpus["solar"]
    assert experts[0].expert == corpus["solar_expert"]
    top = results[0]
    assert top.status == MatchStatus.SUGGESTED
    terms = [t["term"] for t in top.explanation["terms"]]
    assert "钙钛矿" in terms
    assert top.explanation["factors"]["field"]["value"] == 1.0
    assert top.explanation["factors"]["maturity"]["value"] == 1.0
    # the water result shares nothing with the need
    assert corpus["water"] not in [m.result for m in results]
    assert not Match.objects.filter(need=need, result=corpus["water"]).exists()
    row = DocumentTerms.objects.get(kind="need", object_id=need.pk)
    assert row.is_active
    assert not row.stale
    assert row.scored_at is not None


def test_recommend_twice_gives_the_same_pairs_and_lists(corpus: dict[str, Any]) -> None:
    need = NeedFactory(**SOLAR_NEED)
    services.document_match(kind="need", pk=need.pk)

    def state() -> tuple[list[Any], list[Any]]:
        pairs = Match.objects.order_by("id").values_list("id", "kind", "result", "expert", "score")
        lists = Recommendation.objects.order_by("id").values_list(
            "owner_kind", "owner_id", "target_kind", "match", "rank"
        )
        return list(pairs), sorted(lists)

    first = state()
    services.recommend_for(kind="need", pk=need.pk)
    services.document_match(kind="need", pk=need.pk)
    assert state() == first
    assert len(first[0]) >= 2


def test_a_staff_rejected_pair_stays_rejected_after_rematch(corpus: dict[str, Any]) -> None:
    need = NeedFactory(**SOLAR_NEED)
    services.document_match(kind="need", pk=need.pk)
    match = Match.objects.get(need=need, result=corpus["solar"])
    Match.objects.filter(pk=match.pk).update(status=MatchStatus.REJECTED)
    MatchTransition.objects.create(
        match=match, from_status=MatchStatus.SUGGESTED, to_status=MatchStatus.REJECTED
    )

    services.recommend_for(kind="need", pk=need.pk)
    services.recommend_for(kind="result", pk=corpus["solar"].pk)

    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED
    assert match.transitions.count() == 1
    assert list(Match.objects.filter(need=need, result=corpus["solar"])) == [match]


def test_a_result_and_an_expert_list_the_need_on_the_same_pair_as_the_needs_lists(
    corpus: dict[str, Any],
) -> None:
    need = NeedFactory(**SOLAR_NEED)
    services.document_index(kind="need", pk=need.pk)
    services.recommend_for(kind="result", pk=corpus["solar"].pk)
    services.recommend_for(kind="expert", pk=corpus["solar_expert"].pk)
    from_result = _ranked("result", corpus["solar"].pk, "need")
    from_expert = _ranked("expert", corpus["solar_expert"].pk, "need")
    assert [m.need for m in from_result] == [need]
    assert [m.need for m in from_expert] == [need]
    assert from_result[0].kind == PairKind.NEED_RESULT
    assert from_expert[0].kind == PairKind.NEED_EXPERT

    # the need's own lists, computed afterwards, point at the very same pairs
    services.recommend_for(kind="need", pk=need.pk)
    (need_result,) = [m for m in _ranked("need", need.pk, "result") if m.offer == corpus["solar"]]
    (need_expert,) = [
        m for m in _ranked("need", need.pk, "expert") if m.offer == corpus["solar_expert"]
    ]
    result_list = _ranked("result", corpus["solar"].pk, "need")
    expert_list = _ranked("expert", corpus["solar_expert"].pk, "need")
    assert need_result.pk == from_result[0].pk == result_list[0].pk
    assert need_expert.pk == from_expert[0].pk == expert_list[0].pk
    assert need_result.score == result_list[0].score > 0
    assert need_expert.score == expert_list[0].score > 0


def test_a_withdrawn_result_disappears_from_suggestions(
    corpus: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    need = NeedFactory(**SOLAR_NEED)
    services.document_match(kind="need", pk=need.pk)
    assert Match.objects.filter(result=corpus["solar"]).exists()

    solar = corpus["solar"]
    solar.status = PostingStatus.CLOSED
    solar.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        publish(solar, "result")

    assert not Match.objects.filter(result=solar).exists()
    assert not Recommendation.objects.filter(owner_kind="result", owner_id=solar.pk).exists()
    assert not DocumentTerms.objects.get(kind="result", object_id=solar.pk).is_active
    services.recommend_for(kind="need", pk=need.pk)
    assert not Match.objects.filter(result=solar).exists()


def test_unpublished_documents_are_never_suggested(corpus: dict[str, Any]) -> None:
    draft = ResultFactory(**SOLAR_RESULT, status=PostingStatus.DRAFT)
    assert services.document_index(kind="result", pk=draft.pk) is None
    need = NeedFactory(**SOLAR_NEED)
    services.document_match(kind="need", pk=need.pk)
    assert not Match.objects.filter(result=draft).exists()


def test_unchanged_text_is_not_tokenised_again(corpus: dict[str, Any]) -> None:
    need = NeedFactory(**SOLAR_NEED)
    with mock.patch.object(adapter, "analyze", wraps=adapter.analyze) as analyze:
        services.document_index(kind="need", pk=need.pk)
        services.document_index(kind="need", pk=need.pk)
        need.budget_max = 50
        need.save(update_fields=["budget_max"])
        row = services.document_index(kind="need", pk=need.pk)
        assert analyze.call_count == 1
    assert row.facts["budget"] == 50.0
    need.title = "钙钛矿电池封装材料"
    need.save(update_fields=["title"])
    with mock.patch.object(adapter, "analyze", wraps=adapter.analyze) as analyze:
        services.document_index(kind="need", pk=need.pk)
        assert analyze.call_count == 1


def test_the_index_cache_applies_changes_without_a_rebuild(corpus: dict[str, Any]) -> None:
    index = index_cache.index_for(kind="result")
    assert len(index) == 2
    version = IndexState.objects.get(kind="result").version
    with mock.patch.object(index_cache, "rebuild", wraps=index_cache.rebuild) as rebuild:
        new = ResultFactory(**SOLAR_RESULT)
        services.document_index(kind="result", pk=new.pk)
        assert len(index_cache.index_for(kind="result")) == 3
        services.document_deactivate(kind="result", pk=corpus["water"].pk)
        assert len(index_cache.index_for(kind="result")) == 2
        assert rebuild.call_count == 0
    assert IndexState.objects.get(kind="result").version == version + 2
    assert index_cache.index_for(kind="result") is index


def test_another_process_sees_the_stored_version(corpus: dict[str, Any]) -> None:
    index_cache.index_for(kind="expert")
    # simulate another process: a change made there is only in the database
    DocumentTerms.objects.filter(kind="expert", object_id=corpus["water_expert"].pk).update(
        is_active=False, version=documents.index_version_bump(kind="expert")
    )
    assert str(corpus["water_expert"].pk) not in index_cache.index_for(kind="expert")


def test_expert_capacity_counts_pairs_in_progress(corpus: dict[str, Any]) -> None:
    expert = ExpertFactory(capacity=2)
    for _ in range(1):
        Match.objects.create(
            kind=PairKind.NEED_EXPERT,
            need=NeedFactory(),
            expert=expert,
            status=MatchStatus.NEGOTIATING,
        )
    assert documents.expert_capacity_left(expert=expert) == 0.5


def test_the_weak_tail_is_not_suggested(settings: Any) -> None:
    found = [
        adapter.EngineMatch("1", 1.2),
        adapter.EngineMatch("2", 0.5),
        adapter.EngineMatch("3", 0.1),
    ]
    assert [m.doc_id for m in store.without_weak_tail(found, score=lambda m: m.score)] == [
        "1",
        "2",
    ]
    settings.MATCHING_MIN_RELATIVE_SCORE = 0
    assert len(store.without_weak_tail(found, score=lambda m: m.score)) == 3
    settings.MATCHING_MIN_RELATIVE_SCORE = 0.25
    negative = [adapter.EngineMatch("1", -0.1), adapter.EngineMatch("2", -0.5)]
    assert store.without_weak_tail(negative, score=lambda m: m.score) == negative


def test_weights_come_from_settings(settings: Any) -> None:
    settings.MATCHING_WEIGHTS = {"region": 0.0}
    assert documents.matching_weights().region == 0.0
    assert documents.matching_weights().lexical == adapter.DEFAULT_WEIGHTS["lexical"]


def test_a_new_index_generation_forces_a_rebuild(corpus: dict[str, Any]) -> None:
    index = index_cache.index_for(kind="result")
    state = IndexState.objects.get(kind="result")
    # the database was rebuilt: same version number, different content
    state.delete()
    IndexState.objects.create(kind="result", version=state.version)
    DocumentTerms.objects.filter(kind="result", object_id=corpus["water"].pk).update(
        is_active=False
    )
    rebuilt = index_cache.index_for(kind="result")
    assert rebuilt is not index
    assert str(corpus["water"].pk) not in rebuilt
