"""Cost of one publication against 100,000 documents on the other side (issue 10).

What a worker does when a result is published (matching.lists.services.recommend_for), on
the engine side: the result joins the result index; the need register is searched with the
result's text for the candidate needs (MATCHING_FRESH_CANDIDATES, 30); each candidate's
query runs against the result index again, giving its new top 10 and the pair's score. Both
registers hold 100,000 documents (the dev split's texts tiled with new ids). The database
writes that follow are a fixed number of queries whatever the register size.

Writes its table into bench/results.md (section "Publication") and bench/out/publication.json.
Run by ``make bench``; alone: ``.venv/bin/python bench/publication.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from results_md import bench_dir, replace_section

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.engine import recommend as engine  # noqa: E402
from matching.engine import text  # noqa: E402
from matching.engine.bench_cli import default_processes, peak_rss_mb  # noqa: E402
from matching.engine.index import IndexParams, SparseIndex  # noqa: E402

SECTION = "## Publication against 100,000 documents (issue 10)"
CANDIDATES = 30
TOP_K = 10


def main(n_docs: int = 100_000, publications: int = 30) -> dict[str, float]:
    bench = bench_dir()
    sys.path.insert(0, str(bench))
    import eval as bench_eval  # type: ignore[import-not-found]

    queries, corpus = bench_eval.load_task(str(bench / "data"), "dev", "need2result")
    text.load()
    procs = default_processes()
    corpus_stats = text.analyze_many(
        [{"title": "", "body": c["text"]} for c in corpus], processes=procs
    )
    need_stats = text.analyze_many(
        [{"title": "", "body": q["text"]} for q in queries], processes=procs
    )
    params = IndexParams(auto_merge=False)  # as the service builds them
    t0 = time.perf_counter()
    results = SparseIndex.build(
        ((f"R{i}", corpus_stats[i % len(corpus_stats)]) for i in range(n_docs)), params
    )
    needs = SparseIndex.build(
        ((f"N{i}", need_stats[i % len(need_stats)]) for i in range(n_docs)), params
    )
    build_s = time.perf_counter() - t0
    # new results: the corpus texts with a sentence of their own, so each is a new document
    fresh = [
        text.analyze({"body": corpus[i]["text"] + "该成果已完成中试验证，可提供技术许可。"})
        for i in range(publications)
    ]
    times, reverse_times, candidates_seen = [], [], []
    for i, stats in enumerate(fresh):
        doc_id = f"NEW{i}"
        t0 = time.perf_counter()
        results.add(doc_id, stats)
        t1 = time.perf_counter()
        found = engine.recommend(needs, stats, k=CANDIDATES, explain=False)
        reverse_times.append(time.perf_counter() - t1)
        for match in found:
            n = int(match.doc_id[1:]) % len(need_stats)
            engine.recommend(results, need_stats[n], k=TOP_K, include=[doc_id])
        times.append(time.perf_counter() - t0)
        candidates_seen.append(len(found))
    out = {
        "documents_each_side": n_docs,
        "publications": publications,
        "candidates": statistics.median(candidates_seen),
        "build_both_indexes_s": round(build_s, 1),
        "median_s": round(statistics.median(times), 3),
        "p90_s": round(sorted(times)[int(0.9 * (len(times) - 1))], 3),
        "max_s": round(max(times), 3),
        "reverse_query_median_s": round(statistics.median(reverse_times), 4),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    _write(out)
    return out


def _write(out: dict[str, float]) -> None:
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "publication.json").write_text(json.dumps(out, indent=1))
    table = "\n".join(
        [
            SECTION,
            "",
            "Engine work of one result's publication (add to the index, find the candidate "
            f"needs, rerun their {CANDIDATES} queries with the new result included), both "
            "registers at "
            f"{out['documents_each_side']:,} documents, {out['publications']} publications.",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| worker time per publication, median | {out['median_s']} s | ≤ 1 s |",
            f"| worker time per publication, p90 / max | {out['p90_s']} / {out['max_s']} s | |",
            f"| reverse query (candidate needs), median | {out['reverse_query_median_s']} s | |",
            f"| candidate needs per publication | {out['candidates']:.0f} | |",
            f"| build both indexes (segmented once) | {out['build_both_indexes_s']} s | |",
            f"| peak RSS | {out['peak_rss_mb']} MB | |",
            "",
        ]
    )
    replace_section(SECTION, table)
    print(table)


if __name__ == "__main__":
    main()
