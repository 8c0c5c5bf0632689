"""Core of ``manage.py match_bench``: rank JSONL queries against a JSONL corpus.

Django-free, so the bench adapter (bench/duijie_method.py) and the management command run
the same code. It uses exactly the production path: :func:`matching.engine.text.analyze`,
:class:`matching.engine.index.SparseIndex` and :func:`matching.engine.recommend`, with no
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
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from matching.engine import recommend as engine
from matching.engine import text
from matching.engine.index import SparseIndex

__all__ = ["BenchInputError", "iter_jsonl", "main", "rank_documents", "read_jsonl"]


class BenchInputError(ValueError):
    """A bench input file is missing or malformed (the message names file and line)."""


def iter_jsonl(path: str | Path) -> Iterator[dict[str, str]]:
    """Yield ``id``/``text``/``title`` of each line of a JSON-lines file (blank lines skipped).

    Raises :class:`BenchInputError` naming the file and line of the first bad line.
    """
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BenchInputError(f"{path}: cannot open ({exc.strerror})") from exc
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
            yield {"id": str(item["id"]), "text": body or "", "title": title or ""}


def read_jsonl(path: str | Path) -> list[dict[str, str]]:
    """All rows of a JSON-lines file (see :func:`iter_jsonl`)."""
    return list(iter_jsonl(path))


def _fields(row: dict[str, str]) -> dict[str, str]:
    return {"title": row.get("title") or "", "body": row.get("text") or ""}


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM from /proc (Linux) rather than getrusage: ru_maxrss survives exec, so a child
    started by a big parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def default_processes() -> int:
    env = os.environ.get("DUIJIE_TOKENIZE_PROCESSES")
    if env:
        return max(1, int(env))
    return max(1, min(os.cpu_count() or 1, 4))


def _stats_stream(
    corpus: Iterable[dict[str, str]], processes: int
) -> Iterator[tuple[str, text.TermStats]]:
    """(id, statistics) of each corpus row, in order, analysed in ``processes`` workers."""
    # the feeder may run ahead of the results (the pool reads its input in a thread);
    # results come back in input order, so the oldest pending id belongs to the next one
    pending: deque[str] = deque()

    def feed() -> Iterator[dict[str, str]]:
        for row in corpus:
            pending.append(row["id"])
            yield _fields(row)

    for stats in text.analyze_iter(feed(), processes=processes):
        yield pending.popleft(), stats


def rank_documents(
    queries: Sequence[dict[str, str]],
    corpus: Iterable[dict[str, str]],
    *,
    k: int = 10,
    processes: int | None = None,
) -> tuple[list[list[str]], dict[str, Any]]:
    """Index ``corpus`` (may be a stream), rank each query on its own; return rankings and
    timings."""
    text.load()  # the dictionary load is a per-process start-up cost, not index build
    started = time.perf_counter()
    procs = default_processes() if processes is None else processes
    # streamed end to end: a document's statistics become index arrays as they arrive
    index = SparseIndex.build(_stats_stream(corpus, procs))
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
        "peak_rss_mb": round(peak_rss_mb(), 1),
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
    corpus = iter_jsonl(corpus_path)
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
