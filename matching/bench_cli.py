"""Core of ``manage.py match_bench``: rank JSONL queries against a JSONL corpus.

Django-free, so the bench adapter (bench/duijie_method.py) and the management command run
the same code. It uses exactly the production path: :func:`matching.text.analyze`,
:class:`matching.index.SparseIndex` and :func:`matching.engine.recommend`, with no
structured facts (every factor neutral), no database and no Redis.

Input lines: ``{"id": ..., "text": ..., "title": ... (optional)}``; other keys are ignored.
Output lines: ``{"id": "<query id>", "ranked": ["<corpus id>", ...]}`` in input order.
The last stdout line is a JSON summary with the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matching import engine, text
from matching.index import SparseIndex

__all__ = ["BenchInputError", "main", "rank_documents", "read_jsonl"]


class BenchInputError(ValueError):
    """A bench input file is missing or malformed (the message names file and line)."""


def read_jsonl(path: str | Path) -> list[dict[str, str]]:
    """Read ``id``/``text``/``title`` from a JSON-lines file; blank lines are skipped."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BenchInputError(f"{path}: cannot open ({exc.strerror})") from exc
    rows: list[dict[str, str]] = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BenchInputError(f"{path}:{number}: malformed JSON ({exc.msg})") from exc
            if not isinstance(item, dict):
                raise BenchInputError(f"{path}:{number}: expected a JSON object")
            if item.get("id") is None or isinstance(item["id"], dict | list):
                raise BenchInputError(f'{path}:{number}: missing or invalid "id"')
            body = item.get("text")
            title = item.get("title")
            if body is not None and not isinstance(body, str):
                raise BenchInputError(f'{path}:{number}: "text" must be a string')
            if title is not None and not isinstance(title, str):
                raise BenchInputError(f'{path}:{number}: "title" must be a string')
            rows.append({"id": str(item["id"]), "text": body or "", "title": title or ""})
    return rows


def _fields(row: dict[str, str]) -> dict[str, str]:
    return {"title": row.get("title") or "", "body": row.get("text") or ""}


def default_processes() -> int:
    env = os.environ.get("DUIJIE_TOKENIZE_PROCESSES")
    if env:
        return max(1, int(env))
    return max(1, min(os.cpu_count() or 1, 4))


def rank_documents(
    queries: Sequence[dict[str, str]],
    corpus: Sequence[dict[str, str]],
    *,
    k: int = 10,
    processes: int | None = None,
) -> tuple[list[list[str]], dict[str, Any]]:
    """Index ``corpus``, rank each query on its own; return rankings and timings."""
    text.load()  # the dictionary load is a per-process start-up cost, not index build
    started = time.perf_counter()
    stats = text.analyze_many(
        [_fields(row) for row in corpus],
        processes=default_processes() if processes is None else processes,
    )
    index = SparseIndex.build(
        (row["id"], doc_stats) for row, doc_stats in zip(corpus, stats, strict=True)
    )
    index_seconds = time.perf_counter() - started
    ranked: list[list[str]] = []
    times: list[float] = []
    for row in queries:
        t0 = time.perf_counter()
        matches = engine.recommend(index, text.analyze(_fields(row)), k=k, explain=False)
        times.append(time.perf_counter() - t0)
        ranked.append([m.doc_id for m in matches])
    summary = {
        "docs": index.live_count,
        "queries": len(queries),
        "index_seconds": round(index_seconds, 4),
        "query_seconds_median": round(statistics.median(times), 6) if times else 0.0,
        "query_seconds_total": round(sum(times), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    return ranked, summary


def run(
    queries_path: str | Path,
    corpus_path: str | Path,
    out_path: str | Path,
    *,
    top: int = 10,
    processes: int | None = None,
) -> dict[str, Any]:
    """Read both files, rank, write ``out_path``; return the summary."""
    if top < 1:
        raise BenchInputError("--top must be at least 1")
    queries = read_jsonl(queries_path)
    corpus = read_jsonl(corpus_path)
    ranked, summary = rank_documents(queries, corpus, k=top, processes=processes)
    with Path(out_path).open("w", encoding="utf-8") as out:
        for row, ids in zip(queries, ranked, strict=True):
            out.write(json.dumps({"id": row["id"], "ranked": ids}, ensure_ascii=False) + "\n")
    return summary


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="match_bench", description=__doc__)
    parser.add_argument("--queries", required=True, help="queries JSONL (id, text[, title])")
    parser.add_argument("--corpus", required=True, help="corpus JSONL (id, text[, title])")
    parser.add_argument("--top", type=int, default=10, help="ids to output per query")
    parser.add_argument("--out", required=True, help="output JSONL")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="processes for segmenting the corpus (default: DUIJIE_TOKENIZE_PROCESSES "
        "or the CPU count, at most 4)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        summary = run(args.queries, args.corpus, args.out, top=args.top, processes=args.processes)
    except BenchInputError as exc:
        print(f"match_bench: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
