from __future__ import annotations

import json
import random

import pytest

from matching.engine import recommend as engine
from matching.engine import text
from matching.engine.facts import Facts
from matching.engine.index import SparseIndex

WORDS = {
    "battery": "锂离子 电池 正极 负极 电解液 容量 循环 充放电 隔膜 石墨 硅碳 能量密度",
    "water": "污水 处理 吸附 染料 降解 膜 过滤 重金属 活性炭 絮凝 污泥 脱氮",
    "crop": "水稻 小麦 产量 施肥 品种 土壤 灌溉 病虫害 玉米 种植 氮肥 根系",
}


def q(body: str) -> text.TermStats:
    return text.analyze({"body": body})


@pytest.fixture(scope="module")
def docs():
    rng = random.Random(3)
    out = []
    for topic, words in WORDS.items():
        vocab = words.split()
        for i in range(20):
            out.append((f"{topic}-{i}", q("，".join(rng.choice(vocab) for _ in range(12)))))
    return out


@pytest.fixture
def index(docs):
    return SparseIndex.build(docs)


def test_it_returns_k_matches_best_first_with_explanations(index):
    matches = engine.recommend(index, q("锂离子电池的循环容量"), k=5)
    assert len(matches) == 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    top = matches[0].explanation
    assert top["terms"]
    assert {t["term"] for t in top["terms"]} & {"锂离子", "电池", "循环", "容量"}
    assert all(t["contribution"] > 0 for t in top["terms"])
    assert set(top["factors"]) == {
        "field",
        "region",
        "maturity",
        "cooperation",
        "budget",
        "capacity",
    }
    json.dumps([m.explanation for m in matches])


def test_shared_term_contributions_add_up_to_the_lexical_part(index):
    match = engine.recommend(index, q("锂离子电池"), k=1, weights={"explain_terms": 50})[0]
    explained = sum(t["contribution"] for t in match.explanation["terms"])
    assert explained == pytest.approx(match.explanation["text"]["lexical"], rel=1e-3)


def test_structured_factors_reorder_equal_texts():
    same = q("锂离子电池正极材料")
    index = SparseIndex.build(
        [
            ("far", same, Facts(fields=("医学/临床",), region="440300")),
            ("near", same, Facts(fields=("工学/材料",), region="110105")),
        ]
    )
    need = Facts(fields=("工学/材料",), region="110101")
    matches = engine.recommend(index, same, facts=need, k=2)
    assert [m.doc_id for m in matches] == ["near", "far"]
    assert matches[0].explanation["factors"]["field"]["contribution"] > 0
    assert matches[1].explanation["factors"]["field"]["contribution"] < 0
    # without facts on the query, the same texts tie and facts are neutral
    plain = engine.recommend(index, same, k=2)
    assert plain[0].score == pytest.approx(plain[1].score)


def test_restrict_to_and_exclude_limit_the_answer(index):
    allowed = {"battery-1", "battery-2", "water-1"}
    got = engine.recommend(index, q("锂离子电池"), k=10, restrict_to=allowed)
    assert {m.doc_id for m in got} <= allowed
    got = engine.recommend(index, q("锂离子电池"), k=60, exclude={"battery-1"})
    assert "battery-1" not in {m.doc_id for m in got}


def test_batch_gives_the_same_matches_as_single_queries(index):
    queries = [q("锂离子电池"), q("污水吸附"), q("")]
    batch = engine.recommend_batch(index, queries, k=5)
    for query, got in zip(queries, batch, strict=True):
        assert [m.doc_id for m in got] == [m.doc_id for m in engine.recommend(index, query, k=5)]


def test_custom_weights_can_switch_the_topic_part_off(index):
    matches = engine.recommend(index, q("锂离子电池"), k=3, weights={"topic": 0.0})
    assert all(m.explanation["text"]["topic"] == 0 for m in matches)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "的了和", "，。！？", "电池" * 50_000, "電池鋰離子 battery 🔋", "😀😀😀"],
)
def test_odd_queries_give_valid_rankings(index, raw):
    matches = engine.recommend(index, q(raw), k=10)
    assert len(matches) <= 10
    assert len({m.doc_id for m in matches}) == len(matches)
    json.dumps([m.explanation for m in matches])


def test_k_larger_than_the_index_returns_every_match(index):
    matches = engine.recommend(index, q("锂离子电池 污水 水稻"), k=1000)
    assert len(matches) <= len(index)
    assert len({m.doc_id for m in matches}) == len(matches)
