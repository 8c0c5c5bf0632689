"""Score bands calibrated on the shared benchmark (issue 10): what a pair's score means.

A pair's score is the need's query against the other side (matching.lists.services), so
the same number means the same in every list only through what it predicts. On the dev
split, every need's top 10 (both tasks) is scored and labelled with the benchmark's
relevance; the *high* band starts at the lowest score above which at least HIGH of the
pairs are relevant, the *medium* band at MEDIUM. The thresholds are written to
bench/out/bands.json and printed for matching/lists/bands.py, which the portal reads.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from results_md import bench_dir

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching.engine import recommend as engine  # noqa: E402
from matching.engine import text  # noqa: E402
from matching.engine.bench_cli import default_processes  # noqa: E402
from matching.engine.index import SparseIndex  # noqa: E402

HIGH, MEDIUM = 0.8, 0.5


def _threshold(pairs: list[tuple[float, bool]], precision: float) -> float:
    """The lowest score t such that the pairs scoring ≥ t are at least ``precision``
    relevant (scanning from the top)."""
    best = float("inf")
    hits = 0
    for seen, (score, relevant) in enumerate(sorted(pairs, reverse=True), start=1):
        hits += relevant
        if seen >= 50 and hits / seen >= precision:
            best = score
    return best


def main() -> dict[str, float]:
    bench = bench_dir()
    sys.path.insert(0, str(bench))
    import eval as bench_eval  # type: ignore[import-not-found]

    text.load()
    pairs: list[tuple[float, bool]] = []
    for task in ("need2result", "need2expert"):
        queries, corpus = bench_eval.load_task(str(bench / "data"), "dev", task)
        stats = text.analyze_many(
            [{"title": "", "body": c["text"]} for c in corpus], processes=default_processes()
        )
        index = SparseIndex.build((c["id"], s) for c, s in zip(corpus, stats, strict=True))
        q_stats = [text.analyze({"body": q["text"]}) for q in queries]
        for query, found in zip(
            queries, engine.recommend_batch(index, q_stats, k=10, explain=False), strict=True
        ):
            pairs.extend((m.score, query["relevant"].get(m.doc_id, 0) > 0) for m in found)
    bands = {
        "high": round(_threshold(pairs, HIGH), 3),
        "medium": round(_threshold(pairs, MEDIUM), 3),
        "pairs": len(pairs),
        "relevant_share": round(sum(r for _s, r in pairs) / len(pairs), 3),
    }
    for name, low, high in (
        ("high", bands["high"], float("inf")),
        ("medium", bands["medium"], bands["high"]),
        ("low", float("-inf"), bands["medium"]),
    ):
        inside = [r for s, r in pairs if low <= s < high]
        bands[f"{name}_share"] = round(len(inside) / len(pairs), 3)
        bands[f"{name}_precision"] = round(sum(inside) / max(len(inside), 1), 3)
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "bands.json").write_text(json.dumps(bands, indent=1))
    print(json.dumps(bands, indent=1))
    return bands


if __name__ == "__main__":
    main()
