from __future__ import annotations

import random

import numpy as np
import pytest

from matching.engine import text
from matching.engine.index import IndexParams, SparseIndex

TOPICS = {
    "battery": "锂离子 电池 正极 负极 电解液 容量 循环 充放电 隔膜 石墨 硅碳 能量密度",
    "water": "污水 处理 吸附 染料 降解 膜 过滤 重金属 活性炭 絮凝 污泥 脱氮",
    "crop": "水稻 小麦 产量 施肥 品种 土壤 灌溉 病虫害 玉米 种植 氮肥 根系",
}


def make_corpus(n_per_topic: int = 20, seed: int = 7) -> list[tuple[str, text.TermStats]]:
    rng = random.Random(seed)
    docs = []
    for topic, words in TOPICS.items():
        vocab = words.split()
        for i in range(n_per_topic):
            body = "，".join(rng.choice(vocab) for _ in range(12))
            docs.append((f"{topic}-{i}", text.analyze({"body": body})))
    return docs


@pytest.fixture(scope="module")
def corpus():
    return make_corpus()


@pytest.fixture
def index(corpus):
    return SparseIndex.build(corpus)


def q(body: str) -> text.TermStats:
    return text.analyze({"body": body})


def test_it_ranks_documents_of_the_query_topic_first(index):
    ranked = [doc_id for doc_id, _ in index.topk(q("锂离子电池正极材料的循环容量"), k=10)]
    assert ranked
    assert all(doc_id.startswith("battery") for doc_id in ranked)


def test_scores_are_sorted_best_first(index):
    scores = [score for _, score in index.topk(q("污水吸附染料"), k=10)]
    assert scores == sorted(scores, reverse=True)


def test_an_added_document_is_found_without_a_rebuild(index):
    version = index.version
    index.add("new-1", q("钙钛矿太阳能电池光电转换效率"))
    assert index.version > version
    assert "new-1" in index
    top = index.topk(q("钙钛矿太阳能电池"), k=3)
    assert top[0][0] == "new-1"


def test_a_removed_document_is_never_returned(index):
    first = index.topk(q("水稻小麦施肥"), k=1)[0][0]
    assert index.remove(first)
    assert first not in index
    assert first not in [d for d, _ in index.topk(q("水稻小麦施肥"), k=60)]
    assert not index.remove(first)


def test_a_changed_document_is_ranked_by_its_new_text(index):
    index.add("crop-0", q("钙钛矿太阳能电池光电转换效率"))
    assert index.topk(q("钙钛矿"), k=1)[0][0] == "crop-0"
    assert "crop-0" not in [d for d, _ in index.topk(q("水稻小麦施肥灌溉"), k=60)]
    assert len(index) == 60
    assert index.ids().count("crop-0") == 1


def test_merge_folds_the_delta_in_and_keeps_the_documents(index):
    index.add("new-2", q("钙钛矿太阳能电池"))
    index.remove("water-3")
    before = set(index.ids())
    version = index.version
    index.merge()
    assert set(index.ids()) == before
    assert index.version > version
    assert index.topk(q("钙钛矿太阳能电池"), k=1)[0][0] == "new-2"
    assert "water-3" not in [d for d, _ in index.topk(q("污水吸附"), k=60)]


def test_it_merges_by_itself_when_the_delta_grows(corpus):
    index = SparseIndex.build(corpus, IndexParams(merge_min=3, merge_fraction=0.0))
    for i in range(5):
        index.add(f"extra-{i}", q(f"钙钛矿太阳能电池第{i}批"))
    assert len(index._delta) <= 3
    assert len(index) == 65


def test_terms_in_too_many_documents_are_skipped(corpus):
    common = [(d, text.TermStats({"body": {**s.fields["body"], "通用": 1}})) for d, s in corpus]
    index = SparseIndex.build(common, IndexParams(prune_min_docs=10, max_df=0.5))
    assert index.query_vector(q("通用")).terms.size == 0
    assert index.topk(q("通用"), k=5) == []
    assert index.query_vector(q("通用电池")).terms.size >= 1


def test_batch_and_single_queries_rank_the_same(index):
    queries = [q("锂离子电池"), q("污水处理膜过滤"), q("水稻产量"), q("")]
    batch = index.topk_batch(queries, k=5)
    for query, got in zip(queries, batch, strict=True):
        single = index.topk(query, k=5)
        assert [d for d, _ in got] == [d for d, _ in single]
        assert np.allclose([s for _, s in got], [s for _, s in single], atol=1e-5)


def test_empty_index_and_empty_query_give_no_results(index):
    empty = SparseIndex.build([])
    assert empty.topk(q("锂离子电池"), k=5) == []
    assert empty.topk_batch([q("锂离子电池")], k=5) == [[]]
    assert index.topk(q(""), k=5) == []
    assert index.topk(q("量子纠缠"), k=5) == []


def test_unknown_query_terms_are_ignored(index):
    with_noise = [d for d, _ in index.topk(q("锂离子电池 量子纠缠 区块链"), k=5)]
    assert with_noise == [d for d, _ in index.topk(q("锂离子电池"), k=5)]


def test_a_small_index_has_no_topic_model_but_still_ranks():
    docs = make_corpus(n_per_topic=3)
    index = SparseIndex.build(docs)
    assert index.topk(q("锂离子电池"), k=1)[0][0].startswith("battery")


def test_build_keeps_the_last_of_duplicate_ids(corpus):
    index = SparseIndex.build([*corpus, ("battery-0", q("钙钛矿太阳能电池"))])
    assert len(index) == 60
    assert sorted(index.ids()) == sorted({d for d, _ in corpus})
    assert index.topk(q("钙钛矿"), k=1)[0][0] == "battery-0"
    assert [d for d, _ in index.topk(q("锂离子电池"), k=60)].count("battery-0") <= 1


def test_stored_bm25_weights_follow_the_formula_and_skip_common_terms(corpus):
    common = [(d, text.TermStats({"body": {**s.fields["body"], "通用": 1}})) for d, s in corpus]
    params = IndexParams(prune_min_docs=10, max_df=0.5)
    index = SparseIndex.build(common, params)
    docs = index._main_docs.toarray()
    terms = index._main_terms.toarray()
    norm = params.k1 * (1 - params.b + params.b * index._lengths / index._avg_length)
    expected = docs * (params.k1 + 1) / (docs + norm[:, None])
    expected[:, index._pruned_terms()] = 0.0
    assert index._pruned_terms()[index._vocab["通用"]]
    assert np.allclose(terms.T, expected, atol=1e-6)
    assert index._main_terms.nnz == np.count_nonzero(expected)
    assert index._df.tolist() == np.count_nonzero(docs, axis=0).tolist()


def test_topic_vectors_of_a_sampled_fit_equal_each_documents_fold_in(corpus):
    # fit on a sample of 40 of the 60 documents; every document is folded in afterwards
    index = SparseIndex.build(corpus, IndexParams(topic_sample=40, topic_dims=8))
    assert index._projection.shape[1] == 8
    for row in range(index.row_count):
        term_ids, tf = index._row_terms(row)
        folded = index._fold_in(np.asarray(term_ids), np.asarray(tf))
        assert np.allclose(index._topics[row], folded, atol=1e-5)
    assert np.allclose(np.linalg.norm(index._topics, axis=1), 1.0, atol=1e-5)
