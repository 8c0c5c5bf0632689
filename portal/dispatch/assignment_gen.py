"""Synthetic dispatch rounds for the assignment benchmark, and the JSON shapes of its files.

Pure Python (no Django); used by ``portal.dispatch.bench_cli`` (``manage.py dispatch_bench``)
and ``bench/dispatch.py``.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from typing import Any

from portal.dispatch.assignment import (
    Candidate,
    Enterprise,
    Expert,
    Problem,
    Solution,
    greedy,
    solve,
)

FIELDS, DISTRICTS, INSTITUTES = 12, 10, 300
MIN_SCORE = 0.3
ENTERPRISE_ORG = 100_000  # enterprise i belongs to organisation ENTERPRISE_ORG + i
CAPACITY_WEIGHTS = (15, 20, 30, 20, 15)  # capacity 1..5, mean 3.0
EXCLUDED_WEIGHTS = (70, 20, 10)  # 0, 1 or 2 competing institutes excluded
FREELANCE, FROM_ENTERPRISE = 0.05, 0.05  # experts of no organisation / of an enterprise
SCORE_SHAPE, SCORE_SCALE, SCORE_MAX = 1.6, 0.35, 3.0


def _score(rng: random.Random) -> float:
    """Like a text-similarity score: mostly low (mean 0.56), a long tail, capped at 3."""
    return round(min(SCORE_MAX, rng.gammavariate(SCORE_SHAPE, SCORE_SCALE)), 4)


def generate(enterprises: int, experts: int, seed: int) -> Problem:
    """A random round, the same for the same arguments.

    Enterprise: one of 12 fields and one of 10 districts, its own organisation, 0–2 excluded
    institutes (70/20/10 %). Expert: 1–3 fields, 1–4 districts, capacity 1–5 (mean 3), of one
    of 300 institutes (larger ones more likely; 5 % of no organisation, 5 % of an enterprise
    of their first field). A candidate for every expert covering the enterprise's field and
    district, scored 0–3 (gamma, 4 decimals); ``min_score`` 0.3, one expert per enterprise.
    Experts are bucketed by (field, district), so pairs outside the coverage cost nothing.
    """
    if enterprises < 0 or experts < 0:
        raise ValueError("企业数和专家数不能为负数")
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    institute_weights = [1 / rank**0.7 for rank in range(1, INSTITUTES + 1)]
    firms: list[Enterprise] = []
    cell: dict[int, tuple[int, int]] = {}
    by_field: dict[int, list[int]] = defaultdict(list)
    for eid in range(1, enterprises + 1):
        field, district = rng.randrange(FIELDS), rng.randrange(DISTRICTS)
        cell[eid] = (field, district)
        by_field[field].append(eid)
        k = rng.choices(range(3), weights=EXCLUDED_WEIGHTS)[0]
        excluded = frozenset(rng.sample(range(1, INSTITUTES + 1), k))
        firms.append(Enterprise(eid, ENTERPRISE_ORG + eid, excluded))
    people: list[Expert] = []
    bucket: dict[tuple[int, int], list[int]] = defaultdict(list)
    for xid in range(1, experts + 1):
        fields = rng.sample(range(FIELDS), rng.randint(1, 3))
        districts = rng.sample(range(DISTRICTS), rng.randint(1, 4))
        capacity = rng.choices(range(1, 6), weights=CAPACITY_WEIGHTS)[0]
        draw = rng.random()
        org: int | None
        if draw < FREELANCE:
            org = None
        elif draw < FREELANCE + FROM_ENTERPRISE and by_field[fields[0]]:
            org = ENTERPRISE_ORG + rng.choice(by_field[fields[0]])
        else:
            org = rng.choices(range(1, INSTITUTES + 1), weights=institute_weights)[0]
        people.append(Expert(xid, capacity, org))
        for field in fields:
            for district in districts:
                bucket[field, district].append(xid)
    candidates = [
        Candidate(eid, xid, _score(rng))
        for eid in range(1, enterprises + 1)
        for xid in bucket.get(cell[eid], ())
    ]
    return Problem(tuple(people), tuple(firms), tuple(candidates), MIN_SCORE)


def problem_json(problem: Problem) -> dict[str, Any]:
    """The ``input.json`` shape: experts, enterprises and the scores at or above the minimum
    (best per pair, conflicting pairs included, so a checker sees them), by (enterprise,
    expert)."""
    best: dict[tuple[int, int], float] = {}
    for c in problem.candidates:
        if c.score >= problem.min_score and c.score > best.get((c.enterprise, c.expert), -1.0):
            best[c.enterprise, c.expert] = c.score
    return {
        "experts": [
            {"id": x.id, "capacity": x.capacity, "organization": x.organization}
            for x in problem.experts
        ],
        "enterprises": [
            {"id": e.id, "organization": e.organization, "excluded": sorted(e.excluded)}
            for e in problem.enterprises
        ],
        "scores": [
            {"enterprise": e, "expert": x, "score": s} for (e, x), s in sorted(best.items())
        ],
    }


def solution_json(solution: Solution) -> dict[str, Any]:
    """The ``assignment.json`` shape: assigned pairs and unserved enterprises with reasons."""
    return {
        "assigned": [{"enterprise": e, "expert": x} for e, x in solution.assigned],
        "unserved": [{"enterprise": e, "reason": r} for e, r in solution.unserved],
    }


def compare(problem: Problem) -> tuple[Solution, Solution, dict[str, Any]]:
    """Solve by min-cost flow and greedily; both answers and one line of figures."""
    start = time.perf_counter()
    base = greedy(problem)
    greedy_seconds = time.perf_counter() - start
    best = solve(problem)
    return (
        best,
        base,
        {
            "served": best.served,
            "value": round(best.value, 4),
            "optimal": best.optimal,
            "seconds": round(best.seconds, 3),
            "greedy_served": base.served,
            "greedy_value": round(base.value, 4),
            "greedy_seconds": round(greedy_seconds, 3),
            "enterprises": len(problem.enterprises),
            "experts": len(problem.experts),
            "pairs": len(problem.candidates),
        },
    )
