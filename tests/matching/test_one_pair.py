"""A need–result or need–expert pair is one record, with one score, whichever side asks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from accounts.models import User
from matching.lists import rematch, services
from matching.models import Match, MatchCase, MatchStatus, PairKind, Recommendation
from matching.pairs import services as pairs
from tests.matching.factories import (
    SOLAR_EXPERT,
    SOLAR_NEED,
    SOLAR_RESULT,
    WATER_RESULT,
    ExpertFactory,
    MatchFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
    publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def solar_pair() -> tuple:
    need = NeedFactory(**SOLAR_NEED)
    result = ResultFactory(**SOLAR_RESULT)
    ResultFactory(**WATER_RESULT)
    ExpertFactory(**SOLAR_EXPERT)
    for kind, obj in (("result", result), ("need", need)):
        services.document_index(kind=kind, pk=obj.pk)
    services.recommend_for(kind="need", pk=need.pk)
    services.recommend_for(kind="result", pk=result.pk)
    return need, result


def _api_items(user: User, path: str) -> list[dict]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_pair_found_from_either_side_is_one_record_with_one_score(
    solar_pair: tuple, staff: User
) -> None:
    need, result = solar_pair
    assert Match.objects.filter(need=need, result=result).count() == 1
    from_need = [
        item
        for item in _api_items(staff, f"/api/needs/{need.pk}/recommendations/")
        if item["counterpart"]["kind"] == "result" and item["counterpart"]["id"] == result.pk
    ]
    from_result = [
        item
        for item in _api_items(staff, f"/api/results/{result.pk}/recommendations/")
        if item["counterpart"]["id"] == need.pk
    ]
    assert len(from_need) == len(from_result) == 1
    assert from_need[0]["id"] == from_result[0]["id"]
    assert from_need[0]["score"] == from_result[0]["score"] > 0
    assert from_need[0]["rank"] == from_result[0]["rank"] == 1


def test_the_matches_api_lists_each_pair_once(solar_pair: tuple, staff: User) -> None:
    need, result = solar_pair
    pair = Match.objects.get(need=need, result=result)
    pairs.match_approve(match_id=pair.pk, user=staff)
    client = APIClient()
    client.force_authenticate(staff)
    body = client.get("/api/matches/", {"page_size": 100}).json()
    ids = [item["id"] for item in body["results"]]
    assert ids.count(pair.pk) == 1
    assert len(ids) == len(set(ids))


def test_the_database_refuses_a_second_record_of_a_pair() -> None:
    pair = MatchFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(kind=PairKind.NEED_RESULT, need=pair.need, result=pair.result)


def test_a_second_approval_is_refused_and_changes_nothing(solar_pair: tuple, staff: User) -> None:
    need, result = solar_pair
    pair = Match.objects.get(need=need, result=result)
    pairs.match_approve(match_id=pair.pk, user=staff)
    with pytest.raises(ValidationError) as refused:
        pairs.match_approve(match_id=pair.pk, user=staff)
    assert refused.value.code == "conflict"
    assert "不能重复审核" in refused.value.messages[0]
    assert MatchCase.objects.filter(match=pair).count() == 1
    assert pair.transitions.count() == 1
    assert pair.decisions.count() == 1


def test_a_second_approval_through_the_api_answers_409(solar_pair: tuple, staff: User) -> None:
    need, result = solar_pair
    pair = Match.objects.get(need=need, result=result)
    client = APIClient()
    client.force_authenticate(staff)
    assert client.post(f"/api/matches/{pair.pk}/approve/").status_code == 200
    second = client.post(f"/api/matches/{pair.pk}/approve/")
    assert second.status_code == 409
    assert "不能重复审核" in str(second.json())


def test_a_manual_pair_that_exists_from_the_other_side_is_the_same_record(
    solar_pair: tuple, staff: User
) -> None:
    need, result = solar_pair
    suggested = Match.objects.get(need=need, result=result)
    manual = pairs.match_create_manual(user=staff, need_id=need.pk, result_id=result.pk)
    assert manual.pk == suggested.pk
    assert manual.status == MatchStatus.APPROVED
    with pytest.raises(ValidationError) as refused:
        pairs.match_create_manual(user=staff, need_id=need.pk, result_id=result.pk)
    assert refused.value.code == "conflict"
    assert Match.objects.filter(need=need, result=result).count() == 1


def test_recomputing_the_lists_leaves_what_staff_decided_alone(
    solar_pair: tuple, staff: User
) -> None:
    need, result = solar_pair
    pair = Match.objects.get(need=need, result=result)
    pairs.match_approve(match_id=pair.pk, user=staff, note="请尽快联系")
    rematch.rematch_inline()
    pair.refresh_from_db()
    assert pair.status == MatchStatus.APPROVED
    assert pair.transitions.get().note == "请尽快联系"
    assert Recommendation.objects.filter(match=pair, owner_kind="need").exists()


def test_withdrawing_a_result_drops_its_suggestions_but_keeps_decided_pairs(
    solar_pair: tuple, staff: User
) -> None:
    need, result = solar_pair
    decided = Match.objects.get(need=need, result=result)
    pairs.match_approve(match_id=decided.pk, user=staff)
    result.status = "closed"
    result.save(update_fields=["status"])
    services.document_match(kind="result", pk=result.pk)
    assert not Recommendation.objects.filter(match__result=result).exists()
    assert Match.objects.filter(pk=decided.pk, status=MatchStatus.APPROVED).exists()


def test_two_lists_show_the_same_pair_at_their_own_ranks(solar_pair: tuple) -> None:
    need, result = solar_pair
    entries = Recommendation.objects.filter(match__need=need, match__result=result)
    assert {(e.owner_kind, e.target_kind) for e in entries} == {
        ("need", "result"),
        ("result", "need"),
    }
    assert len({e.match_id for e in entries}) == 1


def test_publishing_through_the_signal_builds_both_sides_lists(
    staff: User, django_capture_on_commit_callbacks
) -> None:
    need = NeedFactory(**SOLAR_NEED)
    with django_capture_on_commit_callbacks(execute=True):
        publish(need, "need")
    result = ResultFactory(**SOLAR_RESULT)
    with django_capture_on_commit_callbacks(execute=True):
        publish(result, "result")
    pair = Match.objects.get(need=need, result=result)
    assert Recommendation.objects.filter(owner_kind="need", owner_id=need.pk, match=pair).exists()
    assert Recommendation.objects.filter(
        owner_kind="result", owner_id=result.pk, match=pair
    ).exists()


def test_a_new_need_enters_the_lists_of_the_results_it_fits(
    django_capture_on_commit_callbacks,
) -> None:
    solar = ResultFactory(**SOLAR_RESULT)
    water = ResultFactory(**WATER_RESULT)
    for result in (solar, water):
        with django_capture_on_commit_callbacks(execute=True):
            publish(result, "result")
    need = NeedFactory(**SOLAR_NEED)
    with django_capture_on_commit_callbacks(execute=True):
        publish(need, "need")
    solar_list = Recommendation.objects.filter(owner_kind="result", owner_id=solar.pk)
    assert [e.match.need_id for e in solar_list.order_by("rank")] == [need.pk]
    assert not Recommendation.objects.filter(
        owner_kind="result", owner_id=water.pk, match__need=need
    ).exists()
