"""``make bench``: quality and speed of the Duijie engine beside the shared baselines.

One run, one machine, so the ratios are meaningful:

1. quality on the dev split, both tasks, through the shared harness (eval.py): our engine
   (bench/duijie_method.py, the match_bench code path) and the four baselines of
   run_baselines.py, plus a split-half check of our gains over jieba + bm25s;
2. speed at 100,000 documents (the dev need2result corpus tiled with new ids): index
   build, median time to rank one need, all-vs-all 10,000 needs x 100,000 results, adding
   one document, peak memory; ours beside jieba + bm25s and jieba + rank_bm25
   (rank_bm25 one-by-one timed on a small sample and extrapolated, as speed.py does).

Writes bench/results.md and bench/out/*.json. The shared bench folder is ../shared/bench
from the repo root, or $BENCH_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from results_md import bench_dir, replace_sections

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
METRICS = ("R@1", "R@10", "MRR@10", "nDCG@10", "P@10-disc")
TASKS = ("need2result", "need2expert")
OURS = "Duijie engine (matching/)"
OURS_METHOD = ROOT / "bench" / "duijie_method.py"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


# --------------------------------------------------------------------------- quality


def quality(bench: Path, split: str) -> dict[str, Any]:
    import eval as bench_eval  # type: ignore[import-not-found]
    import run_baselines  # type: ignore[import-not-found]

    OUT.mkdir(parents=True, exist_ok=True)
    methods = [(OURS, str(OURS_METHOD)), *run_baselines.BASELINES]
    results = []
    for label, path in methods:
        slug = Path(path).stem
        per_query = OUT / f"per_query_{slug}"
        print(f"quality: {label}", flush=True)
        res = bench_eval.main([path, "--split", split, "--per-query", str(per_query)])
        res["label"] = label
        res["per_query"] = {t: str(per_query) + "." + t for t in TASKS}
        results.append(res)
    return {"split": split, "methods": results}


def _read_per_query(path: str) -> dict[str, dict[str, float]]:
    with open(path, encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


def split_half(results: dict[str, Any]) -> dict[str, Any]:
    """Our gain over bm25s on two random halves of the queries (a check against overfit)."""
    ours = next(r for r in results["methods"] if r["label"] == OURS)
    base = next(r for r in results["methods"] if "bm25s" in r["label"])
    out: dict[str, Any] = {}
    for task in TASKS:
        a = _read_per_query(ours["per_query"][task])
        b = _read_per_query(base["per_query"][task])
        ids = sorted(a)
        random.Random(12345).shuffle(ids)
        halves = {"half A": ids[: len(ids) // 2], "half B": ids[len(ids) // 2 :]}
        out[task] = {
            name: {
                m: round(
                    statistics.mean(a[i][m] for i in part) - statistics.mean(b[i][m] for i in part),
                    4,
                )
                for m in ("MRR@10", "nDCG@10")
            }
            for name, part in halves.items()
        }
    return out


# --------------------------------------------------------------------------- speed


def _tiled(bench: Path, n_docs: int, n_queries: int) -> tuple[list[dict], list[dict]]:
    import eval as bench_eval  # type: ignore[import-not-found]

    queries, corpus = bench_eval.load_task(str(bench / "data"), "dev", "need2result")
    docs = [{"id": f"T{i:06d}", "text": corpus[i % len(corpus)]["text"]} for i in range(n_docs)]
    needs = [
        {"id": f"N{i:06d}", "text": queries[i % len(queries)]["text"]} for i in range(n_queries)
    ]
    return needs, docs


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


RSS_BM25S = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[3])
from matching.engine.bench_cli import peak_rss_mb
from baselines import tok
import bm25s
texts = [json.loads(l)["text"] for l in open(sys.argv[2], encoding="utf-8")]
tok.load("jieba")
t0 = time.perf_counter()
r = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
r.index(tok.tokenize_all(texts, "jieba"), show_progress=False)
print(json.dumps({"index_seconds": time.perf_counter() - t0,
                  "peak_rss_mb": peak_rss_mb()}))
"""


def speed(bench: Path, n_docs: int, n_queries: int, one_sample: int) -> dict[str, Any]:
    import numpy as np
    from baselines import tok  # type: ignore[import-not-found]
    from baselines.methods import METHODS  # type: ignore[import-not-found]

    from matching.engine import recommend as engine
    from matching.engine import text
    from matching.engine.bench_cli import default_processes
    from matching.engine.index import SparseIndex

    needs, docs = _tiled(bench, n_docs, n_queries)
    doc_texts = [d["text"] for d in docs]
    need_texts = [q["text"] for q in needs]
    res: dict[str, Any] = {"docs": n_docs, "queries": n_queries, "cpus": os.cpu_count()}
    text.load()
    tok.load("jieba")
    one = need_texts[:one_sample]

    # ours: build (segmentation + index), with the default worker processes and with one
    procs = default_processes()
    print(f"speed: ours build ({procs} processes)", flush=True)
    fields = [{"title": "", "body": t} for t in doc_texts]
    t0 = time.perf_counter()
    stats = text.analyze_many(fields, processes=procs)
    t_seg = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = SparseIndex.build((d["id"], st) for d, st in zip(docs, stats, strict=True))
    t_idx = time.perf_counter() - t0
    stats = []
    res["ours_index_nbytes_mb"] = index.nbytes() / 2**20
    res["ours_build_s"] = t_seg + t_idx
    res["ours_build_index_only_s"] = t_idx
    res["ours_processes"] = procs
    if procs > 1:
        print("speed: ours segmentation (1 process)", flush=True)
        t_seg1, _ = timed(lambda: text.analyze_many(fields, processes=1))
        res["ours_build_1proc_s"] = t_seg1 + t_idx

    print("speed: ours one-by-one", flush=True)
    times = []
    for q in one:
        t0 = time.perf_counter()
        engine.recommend(index, text.analyze({"body": q}), k=10, explain=False)
        times.append(time.perf_counter() - t0)
    res["ours_one_median_s"] = statistics.median(times)
    times = []
    for q in one[:200]:
        t0 = time.perf_counter()
        engine.recommend(index, text.analyze({"body": q}), k=10, explain=True)
        times.append(time.perf_counter() - t0)
    res["ours_one_explained_median_s"] = statistics.median(times)

    print("speed: ours all-vs-all", flush=True)

    def ours_batch() -> None:
        queries = [text.analyze({"body": q}) for q in need_texts]
        engine.recommend_batch(index, queries, k=10, explain=False)

    t0 = time.perf_counter()
    ours_batch()
    res["ours_batch_s"] = time.perf_counter() - t0

    print("speed: ours add", flush=True)
    extra = [text.analyze({"body": t + " 新增"}) for t in doc_texts[:60]]
    adds = []
    for i, st in enumerate(extra):
        t0 = time.perf_counter()
        index.add(f"X{i:06d}", st)
        adds.append(time.perf_counter() - t0)
    # the first query after adds rebuilds the delta segment's small matrix: count it too
    t0 = time.perf_counter()
    engine.recommend(index, extra[0], k=10, explain=False)
    t_first = time.perf_counter() - t0
    res["ours_add_median_s"] = statistics.median(adds)
    res["ours_add_max_s"] = max(adds)
    res["ours_query_after_add_s"] = t_first
    analyse = [timed(lambda t=t: text.analyze({"body": t}))[0] for t in doc_texts[:60]]
    res["ours_add_with_analysis_median_s"] = statistics.median(
        [a + b for a, b in zip(adds, analyse, strict=False)]
    )
    index = SparseIndex()  # let the big one go before the baselines build theirs

    # bm25s
    print("speed: bm25s build", flush=True)
    t0 = time.perf_counter()
    tokens = tok.tokenize_all(doc_texts, "jieba")
    t_tok = time.perf_counter() - t0
    bm = METHODS["bm25s"]()
    t0 = time.perf_counter()
    bm.fit_tokens(tokens)
    t_fit = time.perf_counter() - t0
    res["bm25s_build_s"] = t_tok + t_fit
    res["bm25s_build_index_only_s"] = t_fit
    print("speed: bm25s one-by-one + all-vs-all", flush=True)
    times = []
    for q in one:
        t0 = time.perf_counter()
        bm.topk_one(q, 10)
        times.append(time.perf_counter() - t0)
    res["bm25s_one_median_s"] = statistics.median(times)
    t0 = time.perf_counter()
    bm.topk_batch(need_texts, 10)
    res["bm25s_batch_s"] = time.perf_counter() - t0
    bm = None

    print("speed: rank_bm25", flush=True)
    rb = METHODS["rank_bm25"]()
    t0 = time.perf_counter()
    rb.fit_tokens(tokens)
    res["rank_bm25_index_only_s"] = time.perf_counter() - t0
    times = []
    for q in one[:20]:
        t0 = time.perf_counter()
        rb.topk_one(q, 10)
        times.append(time.perf_counter() - t0)
    res["rank_bm25_one_median_s"] = statistics.median(times)
    res["rank_bm25_one_sample"] = len(times)
    res["rank_bm25_batch_s_extrapolated"] = statistics.mean(times) * n_queries
    rb = None
    tokens = []

    # peak memory and the match_bench contract at this scale, each in a fresh process
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        _write_jsonl(tmpdir / "corpus.jsonl", docs)
        _write_jsonl(tmpdir / "queries.jsonl", needs[:one_sample])
        print("speed: match_bench at scale (fresh process)", flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "matching.engine.bench_cli",
                "--queries",
                str(tmpdir / "queries.jsonl"),
                "--corpus",
                str(tmpdir / "corpus.jsonl"),
                "--top",
                "10",
                "--out",
                str(tmpdir / "out.jsonl"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        res["match_bench"] = json.loads(proc.stdout.strip().splitlines()[-1])
        print("speed: bm25s peak memory (fresh process)", flush=True)
        proc = subprocess.run(
            [sys.executable, "-c", RSS_BM25S, str(bench), str(tmpdir / "corpus.jsonl"), str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        )
        res["bm25s_fresh"] = json.loads(proc.stdout.strip().splitlines()[-1])
    res["numpy"] = np.__version__
    return res


# --------------------------------------------------------------------------- report


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _targets(q: dict[str, Any], s: dict[str, Any] | None) -> list[str]:
    """The issue's targets, each with the measured ratio from this run and whether it holds."""
    rows: list[tuple[str, str, str, bool]] = []
    for task in TASKS:
        ours = q["methods"][0]["tasks"][task]
        base = next(r for r in q["methods"] if "bm25s" in r["label"])["tasks"][task]
        ratio = ours["nDCG@10"] / base["nDCG@10"]
        rows.append((f"{task} nDCG@10 / bm25s", "≥ 1.03", f"{ratio:.4f}", ratio >= 1.03))
        diff = ours["MRR@10"] - base["MRR@10"]
        rows.append((f"{task} MRR@10 − bm25s", "≥ 0", f"{diff:+.4f}", diff >= 0))
    if s:
        one = s["ours_one_median_s"] / s["bm25s_one_median_s"]
        rows.append(("one need, median time / bm25s one-by-one", "≤ 2", f"{one:.2f}", one <= 2))
        fast = s["rank_bm25_one_median_s"] / s["ours_one_median_s"]
        rows.append(("rank_bm25 one need / ours (speed-up)", "≥ 100×", f"{fast:.0f}×", fast >= 100))
        batch = s["ours_batch_s"] / s["bm25s_batch_s"]
        rows.append(("all-vs-all / bm25s batch", "≤ 2", f"{batch:.2f}", batch <= 2))
        build = s["ours_build_s"] / s["bm25s_build_s"]
        rows.append(
            (
                f"index build / bm25s ({s['ours_processes']} segmenting processes)",
                "≤ 1",
                f"{build:.2f}",
                build <= 1,
            )
        )
        add = s["ours_add_median_s"] * 1e3
        rows.append(
            ("add one document to the 100k index, median", "≤ 50 ms", f"{add:.2f} ms", add <= 50)
        )
        rss = s["match_bench"]["peak_rss_mb"]
        rows.append(
            (
                "peak RSS, fresh match_bench process, 100k index + 1000 needs",
                "≤ 600 MB",
                f"{rss:.0f} MB",
                rss <= 600,
            )
        )
    lines = [
        "",
        "## Targets (issue 4), from this run",
        "",
        "| target | required | measured | met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {need} | {got} | {'yes' if ok else '**no**'} |" for name, need, got, ok in rows
    ]
    return lines


def report(q: dict[str, Any], halves: dict[str, Any], s: dict[str, Any] | None) -> str:
    lines = ["# Duijie engine vs. baselines (generated by `make bench`)", ""]
    lines.append(
        "Quality: shared harness eval.py on the dev split. Speed: one run on this machine; "
        "compare the ratios, not the absolute times."
    )
    lines += _targets(q, s)
    targets = {
        "need2result": (0.733, 0.925),
        "need2expert": (0.730, 0.935),
    }
    for task in TASKS:
        first = q["methods"][0]["tasks"][task]
        lines += [
            "",
            f"## Quality: {task} ({q['split']}: {first['queries']} needs, "
            f"{first['corpus']} corpus items)",
            "",
            "| method | " + " | ".join(METRICS) + " | wall s |",
            "|---" * (len(METRICS) + 2) + "|",
        ]
        for r in q["methods"]:
            t = r["tasks"][task]
            lines.append(
                f"| {r['label']} | "
                + " | ".join(f"{t[m]:.4f}" for m in METRICS)
                + f" | {t['seconds']:.1f} |"
            )
        ours = q["methods"][0]["tasks"][task]
        base = next(r for r in q["methods"] if "bm25s" in r["label"])["tasks"][task]
        nd, mrr = targets[task]
        lines += [
            "",
            f"- nDCG@10 ours / bm25s = {ours['nDCG@10'] / base['nDCG@10']:.4f} "
            f"(target ≥ 1.03; published bm25s {nd}), MRR@10 ours − bm25s = "
            f"{ours['MRR@10'] - base['MRR@10']:+.4f} (target ≥ 0; published {mrr}).",
            "- Split-half check (random halves of the needs, ours − bm25s): "
            + "; ".join(
                f"{h}: nDCG {v['nDCG@10']:+.4f}, MRR {v['MRR@10']:+.4f}"
                for h, v in halves[task].items()
            ),
        ]
    if s:
        bm_one, ours_one = s["bm25s_one_median_s"], s["ours_one_median_s"]
        rb_one = s["rank_bm25_one_median_s"]
        lines += [
            "",
            f"## Speed at {s['docs']:,} documents ({s['cpus']} CPUs)",
            "",
            "| measure | ours | jieba + bm25s | jieba + rank_bm25 | ours / bm25s | target |",
            "|---|---|---|---|---|---|",
            f"| index build incl. segmentation, s | {s['ours_build_s']:.1f} "
            f"({s['ours_processes']} processes) | {s['bm25s_build_s']:.1f} | – | "
            f"{_ratio(s['ours_build_s'], s['bm25s_build_s'])} | ≤ 1 |",
        ]
        if "ours_build_1proc_s" in s:
            lines.append(
                f"| index build, ours segmenting in 1 process, s | "
                f"{s['ours_build_1proc_s']:.1f} | {s['bm25s_build_s']:.1f} | – | "
                f"{_ratio(s['ours_build_1proc_s'], s['bm25s_build_s'])} | (info) |"
            )
        lines += [
            f"| index build excl. segmentation, s | {s['ours_build_index_only_s']:.2f} | "
            f"{s['bm25s_build_index_only_s']:.2f} | {s['rank_bm25_index_only_s']:.2f} | "
            f"{_ratio(s['ours_build_index_only_s'], s['bm25s_build_index_only_s'])} | (info) |",
            f"| one need, median ms (incl. segmenting it) | {ours_one * 1e3:.2f} | "
            f"{bm_one * 1e3:.2f} | {rb_one * 1e3:.0f} (n={s['rank_bm25_one_sample']}) | "
            f"{_ratio(ours_one, bm_one)} | ≤ 2 |",
            f"| one need with explanation, median ms | "
            f"{s['ours_one_explained_median_s'] * 1e3:.2f} | – | – | "
            f"{_ratio(s['ours_one_explained_median_s'], bm_one)} | (info) |",
            f"| all-vs-all {s['queries']:,} × {s['docs']:,}, s | {s['ours_batch_s']:.1f} | "
            f"{s['bm25s_batch_s']:.1f} | {s['rank_bm25_batch_s_extrapolated']:.0f} "
            f"(extrapolated) | {_ratio(s['ours_batch_s'], s['bm25s_batch_s'])} | ≤ 2 |",
            f"| add one document, median ms (max) | {s['ours_add_median_s'] * 1e3:.2f} "
            f"({s['ours_add_max_s'] * 1e3:.2f}) | – | – | – | ≤ 50 ms |",
            f"| add one document incl. segmenting it, median ms | "
            f"{s['ours_add_with_analysis_median_s'] * 1e3:.2f} | – | – | – | (info) |",
            f"| first query after 60 adds, ms | {s['ours_query_after_add_s'] * 1e3:.2f} | – "
            f"| – | – | (info) |",
            f"| peak RSS, fresh process building the index, MB | "
            f"{s['match_bench']['peak_rss_mb']:.0f} | {s['bm25s_fresh']['peak_rss_mb']:.0f} "
            f"| – | {_ratio(s['match_bench']['peak_rss_mb'], s['bm25s_fresh']['peak_rss_mb'])} "
            f"| ≤ 600 MB |",
            f"| the index's own arrays, vocabulary and ids (SparseIndex.nbytes), MB | "
            f"{s['ours_index_nbytes_mb']:.0f} | – | – | – | (info) |",
            "",
            f"- ours vs rank_bm25, one need: **{rb_one / ours_one:.0f}×** faster (target ≥ 100×).",
            f"- match_bench itself at this scale (fresh process, {s['match_bench']['queries']} "
            f"needs): index {s['match_bench']['index_seconds']:.1f} s, one need median "
            f"{s['match_bench']['query_seconds_median'] * 1e3:.2f} ms.",
            "- The corpus is the dev corpus tiled with new ids, so every text occurs about "
            f"{s['docs'] // 3895} times; the needs are the dev needs tiled.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--one-sample", type=int, default=1_000)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)

    bench = bench_dir()
    sys.path.insert(0, str(bench))
    os.chdir(bench)
    started = time.time()
    q = quality(bench, args.split)
    halves = split_half(q)
    s = None if args.skip_speed else speed(bench, args.docs, args.queries, args.one_sample)
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "bench.json").open("w", encoding="utf-8") as f:
        json.dump({"quality": q, "split_half": halves, "speed": s}, f, indent=1)
    md = report(q, halves, s)
    # the engine's sections; those of the other scripts (load, search, ...) stay
    replace_sections(md)
    print(md)
    print(f"bench done in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
