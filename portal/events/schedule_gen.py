"""Synthetic events for the scheduler's benchmark, and the JSON shapes of its files.

Pure Python (no Django); used by ``manage.py schedule_bench`` and ``bench/schedule.py``.
"""

from __future__ import annotations

import random
import time
from typing import Any

from portal.events.scheduler import (
    Participant,
    Problem,
    Request,
    Solution,
    Table,
    greedy,
    solve,
)

ACCEPTED_SHARE = 0.7  # accepted participant requests; the rest are engine proposals
ACCEPTED_BASE, PROPOSED_BASE = 1000, 500


def _availability(rng: random.Random, days: int, slots: int) -> frozenset[int]:
    """50–90 % of the slots, as whole half-days plus one half-day cut at its start or end."""
    blocks = []
    for day in range(days):
        first = day * slots + 1
        half = (slots + 1) // 2
        blocks.append(list(range(first, first + half)))
        if slots > half:
            blocks.append(list(range(first + half, first + slots)))
    target = max(1, round(rng.uniform(0.5, 0.9) * days * slots))
    rng.shuffle(blocks)
    chosen: list[int] = []
    for block in blocks:
        left = target - len(chosen)
        if left <= 0:
            break
        if len(block) <= left:
            chosen += block
        else:
            chosen += block[:left] if rng.random() < 0.5 else block[-left:]
    return frozenset(chosen)


def generate(
    participants: int, requests: int, days: int, slots: int, tables: int, seed: int
) -> Problem:
    """A random event, the same for the same arguments.

    Slots 1..days*slots, tables 1..tables in one pool, caps 4–12, distinct pairs; values:
    70 % accepted requests (1000 + score), 30 % engine proposals (500 + score), score 0–499.
    """
    if min(participants, days, slots, tables) < 1 or requests < 0:
        raise ValueError("参与方、天数、每天时段数和桌数都必须至少为 1")
    if requests > participants * (participants - 1) // 2:
        raise ValueError(
            f"{participants} 个参与方最多只有 {participants * (participants - 1) // 2} 对"
        )
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    people = tuple(
        Participant(pid, _availability(rng, days, slots), rng.randint(4, 12))
        for pid in range(1, participants + 1)
    )
    pairs: set[tuple[int, int]] = set()
    wanted: list[Request] = []
    while len(wanted) < requests:
        a, b = rng.sample(range(1, participants + 1), 2)
        if (min(a, b), max(a, b)) in pairs:
            continue
        pairs.add((min(a, b), max(a, b)))
        base = ACCEPTED_BASE if rng.random() < ACCEPTED_SHARE else PROPOSED_BASE
        wanted.append(Request(len(wanted) + 1, a, b, base + rng.randint(0, 499)))
    return Problem(
        slots=tuple(range(1, days * slots + 1)),
        tables=tuple(Table(t) for t in range(1, tables + 1)),
        participants=people,
        requests=tuple(wanted),
    )


def problem_json(problem: Problem) -> dict[str, Any]:
    """The ``input.json`` shape: slots, table ids, participants and requests."""
    return {
        "slots": list(problem.slots),
        "tables": [t.id for t in problem.tables],
        "participants": [
            {"id": p.id, "available": sorted(p.available), "cap": p.cap}
            for p in problem.participants
        ],
        "requests": [{"id": r.id, "a": r.a, "b": r.b, "value": r.value} for r in problem.requests],
    }


def solution_json(solution: Solution) -> dict[str, Any]:
    """The ``schedule.json`` shape: placed (request, slot, table) and unplaced with reasons."""
    return {
        "placed": [
            {"request": p.request, "slot": p.slot, "table": p.table} for p in solution.placed
        ],
        "unplaced": [{"request": u.request, "reason": u.reason} for u in solution.unplaced],
    }


def compare(problem: Problem, time_limit: float = 60.0) -> tuple[Solution, dict[str, Any]]:
    """Solve with CP-SAT and greedy; the solver's schedule and one line of figures."""
    start = time.perf_counter()
    base = greedy(problem)
    greedy_seconds = time.perf_counter() - start
    best = solve(problem, time_limit=time_limit)
    return best, {
        "placed": len(best.placed),
        "value": best.value,
        "bound": best.bound,
        "gap": round(best.gap, 6),
        "optimal": best.optimal,
        "status": best.status,
        "seconds": round(best.seconds, 3),
        "greedy_placed": len(base.placed),
        "greedy_value": base.value,
        "greedy_gap": round((best.bound - base.value) / best.bound, 6) if best.bound else 0.0,
        "greedy_seconds": round(greedy_seconds, 3),
    }
