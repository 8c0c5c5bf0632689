from __future__ import annotations

import json
import threading

import pytest

from matching.engine import text


@pytest.fixture(autouse=True)
def _no_user_terms():
    text.set_user_terms([])
    yield
    text.set_user_terms([])


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        ("用MIL-101(Cr)吸附染料", "mil-101(cr)"),
        ("一台100kW的燃气轮机", "100kw"),
        ("5G基站的能耗", "5g"),
        ("MOFs材料的合成", "mofs"),
    ],
)
def test_it_keeps_mixed_terms_whole(raw, term):
    assert term in text.tokenize(raw)


def test_it_folds_full_width_forms_and_case():
    assert text.tokenize("ＭＯＦｓ（Ｃｒ）") == text.tokenize("MOFs(Cr)") == ["mofs(cr)"]


def test_it_strips_html_tags_and_entities():
    assert text.normalize("<p>石墨烯&amp;<b>电池</b></p>") == "石墨烯& 电池"
    assert "p" not in text.tokenize("<p>石墨烯电池</p>")


def test_it_collapses_whitespace():
    assert text.normalize("  a \n\t b  ") == "a b"


def test_it_drops_stop_words_and_punctuation():
    tokens = text.tokenize("我们对石墨烯的导电性进行了研究，。！")
    assert "的" not in tokens
    assert "了" not in tokens
    assert all(t not in tokens for t in ("，", "。", "！"))
    assert "导电性" in tokens


def test_stop_word_list_ships_with_the_package():
    words = text.stopwords()
    assert "的" in words
    assert "the" in words


def test_user_terms_come_out_as_one_token():
    assert "光催化降解" not in text.tokenize("光催化降解有机污染物")
    text.add_user_terms(["光催化降解", "5G基站"])
    assert "光催化降解" in text.tokenize("光催化降解有机污染物")
    assert "5g基站" in text.tokenize("建设5G基站")


def test_replacing_user_terms_undoes_the_old_ones():
    before = text.tokenize("光催化降解有机污染物，研究方法")
    text.set_user_terms(["光催化降解", "研究方法"])
    assert "光催化降解" in text.tokenize("光催化降解有机污染物")
    text.set_user_terms(["锂离子电池"])
    assert text.tokenize("光催化降解有机污染物，研究方法") == before
    assert text.user_terms() == frozenset({"锂离子电池"})


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n\t ",
        "的了和与",
        "，。！？……——",
        "中" * 100_000,
        "石墨烯graphene電池 батарея 배터리 バッテリー",
        "😀🔋⚡ 新能源 🚗",
        "繁體中文的鋰離子電池研究",
        "\x00\x01控制字符",
    ],
)
def test_odd_inputs_never_raise(raw):
    tokens = text.tokenize(raw)
    assert isinstance(tokens, list)
    assert all(isinstance(t, str) and t.strip() for t in tokens)
    stats = text.analyze({"body": raw})
    assert isinstance(stats, text.TermStats)


def test_empty_like_inputs_give_no_tokens():
    for raw in ("", "   ", "的了和与", "，。！？"):
        assert text.tokenize(raw) == []
        assert text.analyze({"body": raw}).is_empty()


def test_term_stats_count_per_field_with_phrases():
    stats = text.term_stats(
        title="金属有机框架吸附", keywords=["吸附", "MOFs"], body="MOFs吸附染料，吸附"
    )
    assert set(stats.fields) == {"title", "keywords", "body"}
    assert stats.fields["body"]["吸附"] == 2
    assert stats.fields["keywords"]["mofs"] == 1
    # a phrase joins two adjacent tokens inside one field, never across keywords
    assert any(text.PHRASE_SEP in term for term in stats.fields["title"])
    assert "吸附 mofs" not in stats.fields["keywords"]


def test_term_stats_round_trip_through_json():
    stats = text.term_stats(title="锂离子电池", body="正极材料的循环稳定性")
    again = text.TermStats.from_dict(json.loads(json.dumps(stats.to_dict())))
    assert again == stats


def test_analyze_many_in_processes_matches_analyze():
    docs = [{"body": f"第{i}种MOFs材料吸附染料废水，5G基站"} for i in range(2100)]
    assert text.analyze_many(docs, processes=2) == [text.analyze(d) for d in docs]


def test_load_returns_one_tokenizer_per_process():
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(text.load())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(tok) for tok in seen}) == 1


def test_a_long_text_is_cut_in_pieces_without_changing_its_tokens(monkeypatch):
    body = "锂电池极片涂布厚度波动导致电芯一致性差，需要在线检测与闭环控制技术。" * 200
    pieces = text._pieces(text.normalize(body))
    assert len(pieces) > 1
    assert all(len(p) <= text._MAX_RUN for p in pieces)
    in_pieces = text.tokenize(body)
    monkeypatch.setattr(text, "_MAX_RUN", 10**9)
    assert text.tokenize(body) == in_pieces
