from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

TOPICS = {
    "battery": "锂离子 电池 正极 负极 电解液 容量 循环 充放电 隔膜 石墨 硅碳 能量密度",
    "water": "污水 处理 吸附 染料 降解 膜 过滤 重金属 活性炭 絮凝 污泥 脱氮",
    "crop": "水稻 小麦 产量 施肥 品种 土壤 灌溉 病虫害 玉米 种植 氮肥 根系",
}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    rng = random.Random(5)
    corpus = []
    for topic, words in TOPICS.items():
        vocab = words.split()
        for i in range(20):
            corpus.append(
                {
                    "id": f"{topic}-{i}",
                    "text": "，".join(rng.choice(vocab) for _ in range(12)),
                    "discipline": topic,
                }
            )
    queries = [
        {"id": "q-battery", "text": "锂离子电池正极材料的循环容量", "relevant": {"x": 3}},
        {"id": "q-water", "text": "染料污水的吸附处理"},
        {"id": "q-empty", "text": ""},
        {"id": "q-punct", "text": "，。！？"},
        {"id": "q-crop", "text": "水稻施肥与产量", "title": "水稻"},
    ]
    return {
        "queries": write_jsonl(tmp_path / "q.jsonl", queries),
        "corpus": write_jsonl(tmp_path / "c.jsonl", corpus),
        "out": tmp_path / "out.jsonl",
        "rows": (queries, corpus),
        "tmp": tmp_path,
    }


def run(files, capsys, queries=None, corpus=None, out=None, top=10):
    call_command(
        "match_bench",
        "--queries",
        str(queries or files["queries"]),
        "--corpus",
        str(corpus or files["corpus"]),
        "--top",
        str(top),
        "--out",
        str(out or files["out"]),
    )
    stdout = capsys.readouterr().out.strip().splitlines()
    lines = [json.loads(x) for x in Path(out or files["out"]).read_text("utf-8").splitlines()]
    return lines, json.loads(stdout[-1])


def test_it_writes_one_ranking_per_query_in_input_order(files, capsys):
    lines, _ = run(files, capsys)
    queries, corpus = files["rows"]
    assert [line["id"] for line in lines] == [q["id"] for q in queries]
    ids = {d["id"] for d in corpus}
    for line in lines:
        assert len(line["ranked"]) <= 10
        assert set(line["ranked"]) <= ids
        assert len(set(line["ranked"])) == len(line["ranked"])
    by_id = {line["id"]: line["ranked"] for line in lines}
    assert by_id["q-battery"][0].startswith("battery")
    assert by_id["q-water"][0].startswith("water")
    assert by_id["q-empty"] == []
    assert by_id["q-punct"] == []


def test_its_last_stdout_line_is_the_timing_summary(files, capsys):
    _, summary = run(files, capsys)
    assert set(summary) == {
        "docs",
        "queries",
        "index_seconds",
        "query_seconds_median",
        "query_seconds_total",
        "peak_rss_mb",
    }
    assert summary["docs"] == 60
    assert summary["queries"] == 5
    assert summary["index_seconds"] >= 0
    assert summary["query_seconds_total"] >= summary["query_seconds_median"] >= 0
    assert summary["peak_rss_mb"] > 0


def test_top_limits_the_ranking_length(files, capsys):
    lines, _ = run(files, capsys, top=3)
    assert all(len(line["ranked"]) <= 3 for line in lines)


def test_extra_keys_do_not_change_the_ranking(files, capsys):
    with_labels, _ = run(files, capsys)
    queries, corpus = files["rows"]
    keep = ("id", "text", "title")
    plain_q = write_jsonl(
        files["tmp"] / "q2.jsonl", [{k: v for k, v in q.items() if k in keep} for q in queries]
    )
    plain_c = write_jsonl(
        files["tmp"] / "c2.jsonl", [{k: v for k, v in d.items() if k in keep} for d in corpus]
    )
    plain, _ = run(files, capsys, queries=plain_q, corpus=plain_c, out=files["tmp"] / "o2.jsonl")
    assert plain == with_labels


def test_a_malformed_line_names_the_file_and_line(files, capsys):
    bad = files["tmp"] / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "电池"}\n{"id": "b", "text": \n', "utf-8")
    with pytest.raises(CommandError, match=r"bad\.jsonl:2"):
        run(files, capsys, corpus=bad)


def test_a_line_without_an_id_is_an_error(files, capsys):
    bad = write_jsonl(files["tmp"] / "noid.jsonl", [{"text": "电池"}])
    with pytest.raises(CommandError, match=r"noid\.jsonl:1"):
        run(files, capsys, queries=bad)


def test_a_missing_file_is_a_clear_error(files, capsys):
    with pytest.raises(CommandError, match="cannot open"):
        run(files, capsys, corpus=files["tmp"] / "missing.jsonl")


def test_an_empty_corpus_gives_empty_rankings(files, capsys):
    empty = files["tmp"] / "empty.jsonl"
    empty.write_text("", "utf-8")
    lines, summary = run(files, capsys, corpus=empty)
    assert all(line["ranked"] == [] for line in lines)
    assert summary["docs"] == 0


def test_the_command_exits_non_zero_on_bad_input(files, tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", "utf-8")
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "match_bench",
            "--queries",
            str(bad),
            "--corpus",
            str(files["corpus"]),
            "--top",
            "10",
            "--out",
            str(tmp_path / "o.jsonl"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "portal.settings_test", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0
    assert "bad.jsonl:1" in proc.stderr
