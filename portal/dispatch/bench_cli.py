"""Generate a dispatch round, assign its experts and write checkable JSON files.

``python -m portal.dispatch.bench_cli --enterprises E --experts X --seed N --out DIR`` (or
``manage.py dispatch_bench`` with the same arguments). Writes ``DIR/input.json`` (experts,
enterprises, scores at or above the minimum), ``DIR/assignment.json`` (the min-cost-flow
answer: assigned and unserved) and ``DIR/greedy.json`` (the greedy answer, same shape), then
prints one JSON line of figures. Pure Python: no Django, no database.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from portal.dispatch.assignment_gen import compare, generate, problem_json, solution_json

HELP = "生成一轮模拟产业特派员派遣，分配专家并写出可核验的 input.json 与 assignment.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options, shared by this module's entry and the management command."""
    parser.add_argument("--enterprises", type=int, required=True)
    parser.add_argument("--experts", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)


def run(enterprises: int, experts: int, seed: int, out: Path) -> dict[str, Any]:
    """Generate, solve, write the three files; the figures (``generate_seconds``: building
    the round and scoring its candidate pairs)."""
    start = time.perf_counter()
    problem = generate(enterprises, experts, seed)
    generate_seconds = time.perf_counter() - start
    best, base, figures = compare(problem)
    data = problem_json(problem)
    out.mkdir(parents=True, exist_ok=True)
    (out / "input.json").write_text(json.dumps(data), encoding="utf-8")
    (out / "assignment.json").write_text(json.dumps(solution_json(best)), encoding="utf-8")
    (out / "greedy.json").write_text(json.dumps(solution_json(base)), encoding="utf-8")
    return figures | {
        "candidates": len(data["scores"]),
        "generate_seconds": round(generate_seconds, 3),
        "seed": seed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.dispatch.bench_cli", description=HELP)
    add_arguments(parser)
    args = parser.parse_args(argv)
    figures = run(args.enterprises, args.experts, args.seed, args.out)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
