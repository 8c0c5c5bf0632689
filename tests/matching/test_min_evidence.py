"""A pair is suggested only with enough evidence: one shared general term (稀土 in a register
of rare-earth results) is not a reason to recommend; two specific shared terms are.

The rule and its measured constants live in matching/engine/evidence.py (bench/evidence.py
measures them on the shared benchmark)."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from accounts.models import User
from matching.engine import recommend as engine
from matching.engine.evidence import (
    GENERAL_SHARE,
    MIN_TOPIC,
    Evidence,
    enough_evidence,
    evidence_of,
)
from matching.engine.index import SparseIndex
from matching.engine.text import TermStats
from matching.lists import rematch, services
from matching.models import Match, MatchStatus, Recommendation
from matching.pairs import services as pairs
from portal.models import Need, Result
from tests.matching.factories import (
    WATER_RESULT,
    MatchFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
    listed,
)

# ------------------------------------------------------------------ the rule on its boundary


def _one_term(df: int, documents: int, topic: float = 0.0) -> Evidence:
    return Evidence((("稀土", df),), documents, topic)


def test_a_term_held_by_exactly_the_general_share_is_still_specific() -> None:
    documents = 1000
    at_share = round(GENERAL_SHARE * documents)
    assert enough_evidence(_one_term(at_share, documents))
    assert not enough_evidence(_one_term(at_share + 1, documents))


def test_a_term_only_the_candidate_holds_is_specific_in_a_small_register() -> None:
    # one document of ten is 10 %, far above the share, yet nothing else holds the term
    assert enough_evidence(_one_term(1, 10))
    assert not enough_evidence(_one_term(2, 10))


def test_the_topic_bar_rescues_a_lone_general_term_from_its_value_up() -> None:
    assert enough_evidence(_one_term(500, 1000, topic=MIN_TOPIC))
    assert not enough_evidence(_one_term(500, 1000, topic=MIN_TOPIC - 0.001))


def test_two_general_terms_are_enough_and_no_term_is_not() -> None:
    assert enough_evidence(Evidence((("稀土", 600), ("永磁", 700)), 1000, 0.0))
    assert not enough_evidence(Evidence((), 1000, 0.0))


def test_filler_and_phrases_are_not_counted_as_evidence() -> None:
    found = evidence_of(
        [("稀土", 40), ("技术", 900), ("800吨", 1), ("约", 3), ("稀土 永磁", 1)],
        documents=100,
        topic=0.1,
    )
    assert found.terms == (("稀土", 40),)
    assert not enough_evidence(found)


# ------------------------------------------------------------------ the engine


def _stats(*terms: str) -> TermStats:
    return TermStats(fields={"body": dict.fromkeys(terms, 1)})


@pytest.fixture
def rare_earth_index() -> SparseIndex:
    """Ten results, six of which mention 稀土: the word is general in this register."""
    docs = [
        ("polish", _stats("稀土", "抛光粉", "氧化铈")),
        ("tailings", _stats("稀土", "尾矿", "萤石")),
        ("phosphor", _stats("稀土", "荧光粉", "照明")),
        ("catalyst", _stats("稀土", "催化剂", "尾气")),
        ("alloy", _stats("稀土", "镁合金", "铸件")),
        ("magnet-motor", _stats("稀土", "永磁", "电机", "控制器")),
        ("water", _stats("印染", "废水", "臭氧")),
        ("glass", _stats("玻璃", "窑炉", "节能")),
        ("battery", _stats("锂电池", "正极", "回收")),
        ("pump", _stats("水泵", "叶轮", "汽蚀")),
    ]
    return SparseIndex.build((doc_id, stats, None) for doc_id, stats in docs)


def test_the_engine_passes_over_a_lone_general_term_and_keeps_two_specific_ones(
    rare_earth_index: SparseIndex,
) -> None:
    query = _stats("稀土", "永磁", "电机")
    plain = [m.doc_id for m in engine.recommend(rare_earth_index, query, k=10)]
    assert "polish" in plain  # the plain ranking shows it, sharing only 稀土
    found = engine.recommend(rare_earth_index, query, k=10, min_evidence=True)
    assert [m.doc_id for m in found] == ["magnet-motor"]
    assert found[0].evidence is not None
    assert found[0].enough_evidence


def test_an_included_document_short_of_evidence_comes_back_marked(
    rare_earth_index: SparseIndex,
) -> None:
    query = _stats("稀土", "永磁", "电机")
    found = engine.recommend(rare_earth_index, query, k=10, min_evidence=True, include=["polish"])
    polish = next(m for m in found if m.doc_id == "polish")
    assert polish.extra
    assert not polish.enough_evidence


# ------------------------------------------------------------------ the portal's lists

pytestmark = pytest.mark.django_db

MOTOR_NEED = {
    "title": "稀土永磁电机铁损降低",
    "keywords": "永磁电机,铁损",
    "description": "我公司生产工业永磁电机，需要降低铁损，提升整机能效。",
}
POLISH_RESULT = {
    "title": "稀土抛光粉制备工艺",
    "keywords": "抛光粉,氧化铈",
    "summary": "以氧化铈为原料，经焙烧分级制备稀土抛光粉，用于光学玻璃抛光。",
}
OTHER_RARE_EARTH = [
    {"title": "稀土尾矿综合回收", "keywords": "尾矿,萤石", "summary": "从稀土尾矿中回收萤石。"},
    {"title": "稀土发光材料", "keywords": "荧光粉,照明", "summary": "稀土掺杂荧光粉用于照明。"},
    {"title": "稀土尾气催化剂", "keywords": "催化剂,尾气", "summary": "稀土基尾气净化催化剂。"},
    {"title": "稀土镁合金铸件", "keywords": "镁合金,铸件", "summary": "稀土改性镁合金铸件。"},
]
MOTOR_RESULT = {
    "title": "电机铁损测试平台",
    "keywords": "铁损,测试",
    "summary": "测量电机定子铁芯的铁损，给出改进方案。",
}


class MotorRegister(NamedTuple):
    need: Need
    polish: Result
    motor: Result


def _rematch(*postings: tuple[str, Need | Result]) -> None:
    for kind, obj in postings:
        services.document_index(kind=kind, pk=obj.pk)
    for kind, obj in postings:
        services.recommend_for(kind=kind, pk=obj.pk)


@pytest.fixture
def motor_register() -> MotorRegister:
    need = NeedFactory(**MOTOR_NEED)
    polish = ResultFactory(**POLISH_RESULT)
    motor = ResultFactory(**MOTOR_RESULT)
    others = [ResultFactory(**data) for data in OTHER_RARE_EARTH]
    water = ResultFactory(**WATER_RESULT)
    _rematch(
        *[("result", r) for r in (polish, motor, water, *others)],
        ("need", need),
    )
    return MotorRegister(need, polish, motor)


def _need_list(need: Need) -> list[int]:
    return list(
        Recommendation.objects.filter(
            owner_kind="need",
            owner_id=need.pk,
            target_kind="result",
        )
        .order_by("rank")
        .values_list("match__result_id", flat=True)
    )


def test_a_lone_general_term_does_not_make_a_recommendation(
    motor_register: MotorRegister,
) -> None:
    need, polish = motor_register.need, motor_register.polish
    assert polish.pk not in _need_list(need)
    assert not Match.objects.filter(need=need, result=polish).exists()
    # nor when the result is indexed again and looks for needs from its side
    services.recommend_for(kind="result", pk=polish.pk)
    assert not Match.objects.filter(need=need, result=polish).exists()
    assert not Recommendation.objects.filter(owner_kind="result", owner_id=polish.pk).exists()


def test_two_specific_shared_terms_make_a_recommendation(
    motor_register: MotorRegister,
) -> None:
    need, motor = motor_register.need, motor_register.motor
    assert _need_list(need) == [motor.pk]
    pair = Match.objects.get(need=need, result=motor)
    assert pair.status == MatchStatus.SUGGESTED


def test_an_old_suggestion_short_of_evidence_leaves_the_list_when_it_is_recomputed(
    motor_register: MotorRegister,
) -> None:
    need, polish = motor_register.need, motor_register.polish
    listed(MatchFactory(need=need, result=polish), rank=2)
    services.recommend_for(kind="need", pk=need.pk)
    assert polish.pk not in _need_list(need)
    assert not Match.objects.filter(need=need, result=polish).exists()


def test_a_pair_staff_approved_is_never_deleted_by_the_rule(
    motor_register: MotorRegister, staff: User
) -> None:
    need, polish = motor_register.need, motor_register.polish
    pair = listed(MatchFactory(need=need, result=polish), rank=2)
    pairs.match_approve(match_id=pair.pk, user=staff, note="人工判断可对接")
    rematch.rematch_inline()
    pair.refresh_from_db()
    assert pair.status == MatchStatus.APPROVED
    assert pair.transitions.get().note == "人工判断可对接"
