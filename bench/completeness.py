"""Does a more complete need get better recommendations? (issue 14)

1. Demo data: every need in the configured database (seed it first: ``make run`` or
   ``manage.py seed_demo``; DATABASE_URL picks another database) with its completeness
   (portal.services.completeness) and the engine scores of its stored suggestions: the best
   one (top-1) and the mean of the best ten. Spearman's rho, and the means by completeness
   quartile. There are no relevance labels on the demo, so this shows score, not quality.
2. The CSL benchmark (../shared/bench, dev split): needs are one sentence of a paper's
   abstract, so only the text checks of completeness can differ (technical targets, and
   the length, which is always under 150 characters); the other items (keywords, budget,
   cooperation mode, field, deadline) are missing for every need. Each need is ranked by the
   engine against the need2result corpus, as in eval.py, and scored against the labels
   (nDCG@10, MRR@10), by completeness and by length quartile.

Prints a markdown table; with ``--write`` it also replaces the section
"Need completeness (issue 14)" of bench/results.md. Run by hand:
``.venv/bin/python bench/completeness.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from results_md import replace_section
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("BENCH_DIR", ROOT.parent / "shared" / "bench"))
SECTION = "## Need completeness (issue 14)"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _quartiles(
    rows: Sequence[dict[str, float]], key: str, measures: Sequence[str]
) -> list[list[str]]:
    """Mean of each measure in the four quartiles of ``key`` (ties kept together)."""
    ordered = sorted(rows, key=lambda r: r[key])
    n = len(ordered)
    out = []
    for q in range(4):
        part = ordered[q * n // 4 : (q + 1) * n // 4]
        if not part:
            continue
        low, high = part[0][key], part[-1][key]
        out.append(
            [
                f"Q{q + 1}",
                f"{low:g}–{high:g}",
                str(len(part)),
                *[f"{statistics.fmean(r[m] for r in part):.3f}" for m in measures],
            ]
        )
    return out


def _rho(rows: Sequence[dict[str, float]], x: str, y: str) -> str:
    result = spearmanr([r[x] for r in rows], [r[y] for r in rows])
    rho, p = float(result.statistic), float(result.pvalue)
    if math.isnan(rho):
        return "n/a (constant)"
    return f"{rho:+.3f} (p = {p:.2g})"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *["| " + " | ".join(r) + " |" for r in rows],
    ]


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()


def demo_rows() -> list[dict[str, float]]:
    from matching.models import Match
    from portal.demo.registers import TOPICS
    from portal.models import Need
    from portal.services.completeness import need_completeness

    # The demo's topics stand in for labels: a suggested result of the need's own topic
    # (the topic whose titles hold both) counts as relevant.
    suffixes = ("（二期）", "（第二代）", "及其产业化应用", "（改进型）", "集成示范")

    def topic_of(title: str, attr: str) -> int | None:
        for suffix in suffixes:
            title = title.removesuffix(suffix)
        return next((i for i, t in enumerate(TOPICS) if title in getattr(t, attr)), None)

    rows = []
    for need in Need.objects.prefetch_related("fields", "cooperation_modes"):
        top = list(Match.objects.filter(need=need).select_related("result").order_by("-score")[:10])
        if not top:
            continue
        row = {
            "completeness": float(need_completeness(need).score),
            "top1": float(top[0].score),
            "top10": statistics.fmean(float(m.score) for m in top),
        }
        mine = topic_of(need.title, "need_titles")
        results = [m.result for m in top if m.result is not None]
        if mine is not None and results:
            row["on_topic"] = statistics.fmean(
                1.0 if topic_of(r.title, "result_titles") == mine else 0.0 for r in results
            )
        rows.append(row)
    return rows


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bench_rows() -> list[dict[str, float]]:
    from matching.engine import recommend as engine
    from matching.engine import text
    from matching.engine.bench_cli import _fields, _stats_stream, default_processes
    from matching.engine.index import SparseIndex
    from portal.services.completeness import has_technical_targets, need_completeness

    data = BENCH / "data" / "dev"
    queries = _read(data / "need2result_queries.jsonl")
    corpus = _read(data / "need2result_corpus.jsonl")
    disc_of = {row["id"]: row["discipline"] for row in corpus}
    per_disc: dict[str, int] = {}
    for d in disc_of.values():
        per_disc[d] = per_disc.get(d, 0) + 1
    text.load()
    index = SparseIndex.build(_stats_stream(iter(corpus), default_processes()))
    disc = [1 / math.log2(r + 2) for r in range(10)]
    rows = []
    for q in queries:
        matches = engine.recommend(index, text.analyze(_fields(q)), k=10, explain=False)
        rel: dict[str, int] = q["relevant"]
        gains, rr = 0.0, 0.0
        for r, m in enumerate(matches[:10]):
            g = rel.get(m.doc_id, 1 if disc_of.get(m.doc_id) == q["discipline"] else 0)
            gains += (2**g - 1) * disc[r]
            if m.doc_id in rel and rel[m.doc_id] == max(rel.values()) and rr == 0.0:
                rr = 1 / (r + 1)
        same_other = per_disc.get(q["discipline"], 0) - sum(
            1 for x in rel if disc_of.get(x) == q["discipline"]
        )
        ideal = sorted(rel.values(), reverse=True) + [1] * max(0, min(10, same_other))
        idcg = sum((2**g - 1) * disc[r] for r, g in enumerate(ideal[:10]))
        rows.append(
            {
                "completeness": need_completeness({"description": q["text"]}).score,
                "targets": 1.0 if has_technical_targets(q["text"]) else 0.0,
                "length": float(len(q["text"])),
                "ndcg": gains / idcg if idcg else 0.0,
                "mrr": rr,
                "top1": float(matches[0].score) if matches else 0.0,
            }
        )
    return rows


def report(demo: list[dict[str, float]], bench: list[dict[str, float]]) -> str:
    lines = [
        SECTION,
        "",
        "Generated by `bench/completeness.py` (run by hand). Completeness is "
        "portal.services.completeness (0–100; description ≥ 150 characters 25, technical "
        "targets 20, ≥ 3 keywords 15, budget, cooperation mode, a second-level field and a "
        "deadline 10 each).",
        "",
        "How to read it: completeness is a prompt for the people who answer a need; the "
        "engine reads only text, so only the text checks (length, technical targets, "
        "keywords) can move its scores. On the demo the spread of completeness is made by "
        "the seed (brief second-phase needs, some without budget, deadline, mode or a "
        "specific field) and the topics are a proxy label; the CSL needs are one sentence "
        "each, so there only the technical-target check varies.",
        "",
    ]
    if demo:
        lines += [
            f"**Demo data** ({len(demo)} needs with suggestions; engine score of the stored "
            "suggestions, no relevance labels):",
            "",
            f"- Spearman rho, completeness vs top-1 score: {_rho(demo, 'completeness', 'top1')}",
            f"- Spearman rho, completeness vs mean top-10 score: "
            f"{_rho(demo, 'completeness', 'top10')}",
            "",
            *_table(
                ["quartile", "completeness", "needs", "top-1 score", "mean top-10 score"],
                _quartiles(demo, "completeness", ["top1", "top10"]),
            ),
            "",
        ]
        labelled = [r for r in demo if "on_topic" in r]
        lines += [
            f"On-topic share of the suggested results (a result of the need's own demo topic; "
            f"{len(labelled)} demo needs): Spearman rho with completeness "
            f"{_rho(labelled, 'completeness', 'on_topic')}.",
            "",
            *_table(
                ["quartile", "completeness", "needs", "on-topic share of suggested results"],
                _quartiles(labelled, "completeness", ["on_topic"]),
            ),
            "",
        ]
    if bench:

        def group(name: str, keep: Callable[[dict[str, float]], bool]) -> list[str]:
            part = [r for r in bench if keep(r)]
            return [
                name,
                str(len(part)),
                f"{statistics.fmean(r['ndcg'] for r in part):.4f}",
                f"{statistics.fmean(r['mrr'] for r in part):.4f}",
                f"{statistics.fmean(r['top1'] for r in part):.3f}",
            ]

        lines += [
            f"**CSL benchmark, need2result dev** ({len(bench)} needs; one sentence each, so "
            "only the text checks can differ: every need is under 150 characters, "
            f"{sum(r['targets'] for r in bench):.0f} state a technical target):",
            "",
            f"- Spearman rho, completeness vs nDCG@10: {_rho(bench, 'completeness', 'ndcg')}",
            f"- Spearman rho, need length vs nDCG@10: {_rho(bench, 'length', 'ndcg')}",
            f"- Spearman rho, need length vs top-1 score: {_rho(bench, 'length', 'top1')}",
            "",
            *_table(
                ["needs", "count", "nDCG@10", "MRR@10", "top-1 score"],
                [
                    group("with a technical target", lambda r: r["targets"] == 1.0),
                    group("without", lambda r: r["targets"] == 0.0),
                ],
            ),
            "",
            *_table(
                ["length quartile", "characters", "needs", "nDCG@10", "MRR@10", "top-1 score"],
                _quartiles(bench, "length", ["ndcg", "mrr", "top1"]),
            ),
            "",
        ]
    return "\n".join(lines)


def write(section: str) -> None:
    replace_section(SECTION, section)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update bench/results.md")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--no-bench", action="store_true")
    args = parser.parse_args(argv)
    _setup()
    demo = [] if args.no_demo else demo_rows()
    bench = [] if args.no_bench else bench_rows()
    section = report(demo, bench)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
