"""The meeting scheduler (portal.events.scheduler): rules, reasons, pins, optimality, the
generator and the schedule_bench command. Plain functions, no database."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.events.schedule_gen import generate
from portal.events.scheduler import (
    REASON_LABELS,
    Participant,
    Placement,
    Problem,
    Request,
    Solution,
    Table,
    Unplaced,
    greedy,
    solve,
)


def check(problem: Problem, solution: Solution) -> None:
    """Every hard rule, read from the problem alone (independent of the scheduler)."""
    people = {p.id: p for p in problem.participants}
    requests = {r.id: r for r in problem.requests}
    pool_of = {t.id: t.pool for t in problem.tables}
    placed = [p.request for p in solution.placed]
    assert len(placed) == len(set(placed)), "a request placed twice"
    unplaced = {u.request for u in solution.unplaced}
    assert set(placed) | unplaced == set(requests)
    assert not set(placed) & unplaced
    assert all(u.reason in REASON_LABELS for u in solution.unplaced)
    seats: Counter[tuple[int, int]] = Counter()
    held: Counter[tuple[int, int]] = Counter()
    meetings: Counter[int] = Counter()
    for p in solution.placed:
        r = requests[p.request]
        assert p.slot in problem.slots
        assert p.table in pool_of
        assert r.pool is None or pool_of[p.table] == r.pool, f"{r} at a table of another pool"
        if r.pinned is not None:
            assert (p.slot, p.table) == r.pinned, f"pinned {r} moved"
        seats[p.slot, p.table] += 1
        for side in (r.a, r.b):
            held[side, p.slot] += 1
            meetings[side] += 1
            if r.pinned is None:
                assert p.slot in people[side].available, f"{side} not available in {p.slot}"
    assert all(r.id in placed for r in problem.requests if r.pinned is not None)
    assert max(seats.values(), default=1) == 1, "a table twice in one slot"
    assert max(held.values(), default=1) == 1, "a participant twice in one slot"
    assert all(n <= people[side].cap for side, n in meetings.items()), "a cap exceeded"
    assert solution.value == sum(requests[rid].value for rid in placed)
    assert solution.value <= solution.bound


def person(pid: int, available: set[int], cap: int = 8) -> Participant:
    return Participant(pid, frozenset(available), cap)


def event(
    slots: list[int], tables: int | list[Table], people: list[Participant], reqs: list[Request]
) -> Problem:
    seats = [Table(t) for t in range(1, tables + 1)] if isinstance(tables, int) else tables
    return Problem(tuple(slots), tuple(seats), tuple(people), tuple(reqs))


def reasons(solution: Solution) -> dict[int, str]:
    return {u.request: u.reason for u in solution.unplaced}


def slot_of(solution: Solution) -> dict[int, tuple[int, int]]:
    return {p.request: (p.slot, p.table) for p in solution.placed}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_events_keep_every_rule_and_beat_greedy(seed: int) -> None:
    problem = generate(40, 200, 1, 10, 8, seed)
    best, base = solve(problem, time_limit=10), greedy(problem)
    check(problem, best)
    check(problem, base)
    assert best.optimal
    assert best.status == "OPTIMAL"
    assert best.bound == best.value
    assert best.value >= base.value
    assert len(best.placed) >= len(base.placed)


def test_two_days_and_solve_is_deterministic() -> None:
    problem = generate(30, 120, 2, 6, 4, 7)
    first, second = solve(problem, time_limit=10), solve(problem, time_limit=10)
    check(problem, first)
    assert first.placed == second.placed
    assert first.unplaced == second.unplaced


def test_greedy_is_suboptimal_where_the_solver_is_not() -> None:
    # one table; A-B (10) could meet in slot 1 or 2, C-D (9) only in slot 1
    problem = event(
        [1, 2],
        1,
        [person(1, {1, 2}), person(2, {1, 2}), person(3, {1}), person(4, {1})],
        [Request(1, 1, 2, 10), Request(2, 3, 4, 9)],
    )
    base, best = greedy(problem), solve(problem)
    assert base.value == 10
    assert reasons(base) == {2: "room_full"}
    assert best.value == 19
    assert best.optimal
    assert slot_of(best) == {1: (2, 1), 2: (1, 1)}
    check(problem, best)


def test_equal_value_prefers_more_meetings() -> None:
    problem = event(
        [1],
        2,
        [person(i, {1}) for i in range(1, 5)],
        [Request(1, 1, 2, 10), Request(2, 1, 3, 5), Request(3, 2, 4, 5)],
    )
    assert greedy(problem).value == 10
    assert len(greedy(problem).placed) == 1
    best = solve(problem)
    assert best.value == 10
    assert sorted(slot_of(best)) == [2, 3]
    assert reasons(best) == {1: "busy"}


def test_each_reason() -> None:
    problem = event(
        [1, 2],
        1,
        [
            person(1, {1}),
            person(2, {2}),  # 1 and 2 share no slot
            person(3, {1, 2}, cap=1),
            person(4, {1, 2}),
            person(5, {1, 2}),
            person(6, {2}),
            person(7, {2}),
        ],
        [
            Request(1, 1, 2, 100),  # no_common_slot
            Request(2, 3, 4, 90),  # placed: 3 reaches its cap
            Request(3, 3, 5, 80),  # cap_reached
            Request(4, 6, 7, 70),  # placed in slot 2
            Request(5, 4, 5, 60),  # 4 and 5 free in the other slot, but its one table is taken
            Request(6, 1, 4, 50, pool="annex"),  # a pool without tables
        ],
    )
    for solution in (solve(problem), greedy(problem)):
        check(problem, solution)
        assert reasons(solution) == {
            1: "no_common_slot",
            3: "cap_reached",
            5: "room_full",
            6: "no_common_slot",
        }
    busy = event(
        [1],
        3,
        [person(1, {1}), person(2, {1}), person(3, {1})],
        [Request(1, 1, 2, 10), Request(2, 1, 3, 5)],
    )
    assert reasons(solve(busy)) == {2: "busy"} == reasons(greedy(busy))
    assert set(REASON_LABELS) == {"no_common_slot", "cap_reached", "room_full", "busy"}


def test_a_pinned_meeting_takes_the_shared_slot() -> None:
    # 1 and 2 share only slot 1, where 1 is pinned with 3
    problem = event(
        [1, 2],
        2,
        [person(1, {1, 2}), person(2, {1}), person(3, {2})],
        [Request(1, 1, 2, 100), Request(2, 1, 3, 1, pinned=(1, 2))],
    )
    best = solve(problem)
    check(problem, best)
    assert slot_of(best) == {2: (1, 2)}  # kept although 3 is not available in slot 1
    assert reasons(best) == {1: "no_common_slot"}


def test_pinned_meeting_stays_and_others_move_around_it() -> None:
    people = [person(i, {1, 2, 3}) for i in range(1, 7)]
    reqs = [Request(1, 1, 2, 30), Request(2, 3, 4, 20), Request(3, 5, 6, 10)]
    first = slot_of(solve(event([1, 2, 3], 1, people, reqs)))
    assert len(first) == 3
    # staff put the lowest-value meeting where the solver had put the highest
    pinned = [*reqs[:2], Request(3, 5, 6, 10, pinned=first[1])]
    problem = event([1, 2, 3], 1, people, pinned)
    again = slot_of(solve(problem))
    check(problem, solve(problem))
    assert again[3] == first[1]
    assert len(again) == 3
    assert again[1] != first[1]
    assert again == slot_of(solve(problem))


def test_pools_host_only_their_requests() -> None:
    tables = [Table(1, "hall"), Table(2, "hall"), Table(3, "online")]
    people = [person(i, {1, 2}) for i in range(1, 9)]
    reqs = [
        Request(1, 1, 2, 9, pool="online"),
        Request(2, 3, 4, 8, pool="online"),
        Request(3, 5, 6, 7, pool="hall"),
        Request(4, 7, 8, 6),  # any table
        Request(5, 5, 7, 5, pool="hall"),  # 5 and 7 meet in the other slot than 3 and 4
    ]
    problem = event([1, 2], tables, people, reqs)
    best = solve(problem)
    check(problem, best)
    seats = slot_of(best)
    assert seats[1][1] == seats[2][1] == 3
    assert seats[3][0] == seats[4][0] != seats[5][0]
    assert seats[4][1] in (1, 2)  # the online table is taken by 1 or 2 in that slot
    assert len(best.placed) == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slots": (1, 1)}, "时段重复"),
        ({"tables": (Table(1), Table(1))}, "桌号重复"),
        ({"participants": (person(1, {1}), person(1, {1}))}, "参与方编号重复"),
        ({"requests": (Request(1, 1, 2, 5), Request(1, 1, 2, 5))}, "洽谈请求编号重复"),
        ({"requests": (Request(1, 1, 1, 5),)}, "同一参与方"),
        ({"requests": (Request(1, 1, 9, 5),)}, "未知参与方 9"),
        ({"participants": (person(1, {1, 7}), person(2, {1}))}, "[7] 不是本场活动的时段"),
        ({"participants": (person(1, {1}, cap=0), person(2, {1}))}, "洽谈上限必须为正整数"),
        ({"requests": (Request(1, 1, 2, 0),)}, "权重必须为正整数"),
        ({"requests": (Request(1, 1, 2, 5, pinned=(9, 1)),)}, "未知时段 9"),
        ({"requests": (Request(1, 1, 2, 5, pinned=(1, 9)),)}, "未知桌号 9"),
        ({"requests": (Request(1, 1, 2, 5, pool="annex", pinned=(1, 1)),)}, "不属于该场地"),
        (
            {
                "participants": (person(1, {1}), person(2, {1}), person(3, {1}), person(4, {1})),
                "requests": (
                    Request(1, 1, 2, 5, pinned=(1, 1)),
                    Request(2, 3, 4, 5, pinned=(1, 1)),
                ),
            },
            "同一时段同一桌",
        ),
        (
            {
                "tables": (Table(1), Table(2)),
                "participants": (person(1, {1}), person(2, {1}), person(3, {1})),
                "requests": (
                    Request(1, 1, 2, 5, pinned=(1, 1)),
                    Request(2, 1, 3, 5, pinned=(1, 2)),
                ),
            },
            "参与方 1 在时段 1 有两个固定洽谈",
        ),
        (
            {
                "slots": (1, 2),
                "participants": (person(1, {1}, cap=1), person(2, {1}), person(3, {1})),
                "requests": (
                    Request(1, 1, 2, 5, pinned=(1, 1)),
                    Request(2, 1, 3, 5, pinned=(2, 1)),
                ),
            },
            "超过其洽谈上限",
        ),
    ],
)
def test_invalid_input_raises(change: dict[str, object], message: str) -> None:
    data: dict[str, object] = {
        "slots": (1,),
        "tables": (Table(1),),
        "participants": (person(1, {1}), person(2, {1})),
        "requests": (Request(1, 1, 2, 5),),
    } | change
    with pytest.raises(ValueError, match=re.escape(message)):
        Problem(**data)  # type: ignore[arg-type]


def test_generator_is_reproducible_and_realistic() -> None:
    problem = generate(80, 600, 2, 8, 6, 3)
    assert problem == generate(80, 600, 2, 8, 6, 3) != generate(80, 600, 2, 8, 6, 4)
    assert problem.slots == tuple(range(1, 17))
    assert [t.id for t in problem.tables] == list(range(1, 7))
    assert all(8 <= len(p.available) <= 15 and 4 <= p.cap <= 12 for p in problem.participants)
    pairs = {frozenset((r.a, r.b)) for r in problem.requests}
    assert len(pairs) == 600
    accepted = [r for r in problem.requests if r.value >= 1000]
    assert all(500 <= r.value <= 1499 for r in problem.requests)
    assert 0.6 < len(accepted) / 600 < 0.8
    with pytest.raises(ValueError):
        generate(3, 4, 1, 4, 2, 1)


def test_command_writes_checkable_files(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "schedule_bench",
        "--participants=20",
        "--requests=50",
        "--days=1",
        "--slots=6",
        "--tables=4",
        "--seed=5",
        f"--out={tmp_path}",
        "--time-limit=10",
        stdout=out,
    )
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    expected = {"placed", "value", "bound", "seconds", "greedy_placed", "greedy_value"}
    assert expected | {"optimal", "gap"} <= set(figures)
    assert figures["value"] >= figures["greedy_value"]
    assert figures["optimal"] is True
    event_json = json.loads((tmp_path / "input.json").read_text(encoding="utf-8"))
    schedule = json.loads((tmp_path / "schedule.json").read_text(encoding="utf-8"))
    assert set(event_json) == {"slots", "tables", "participants", "requests"}
    assert event_json["tables"] == [1, 2, 3, 4]
    assert event_json["slots"] == [1, 2, 3, 4, 5, 6]
    assert set(event_json["participants"][0]) == {"id", "available", "cap"}
    assert set(event_json["requests"][0]) == {"id", "a", "b", "value"}
    assert set(schedule) == {"placed", "unplaced"}
    assert len(schedule["placed"]) == figures["placed"]
    assert all(set(p) == {"request", "slot", "table"} for p in schedule["placed"])
    assert all(set(u) == {"request", "reason"} for u in schedule["unplaced"])
    # the files alone are enough to check the schedule
    problem = Problem(
        tuple(event_json["slots"]),
        tuple(Table(t) for t in event_json["tables"]),
        tuple(
            Participant(p["id"], frozenset(p["available"]), p["cap"])
            for p in event_json["participants"]
        ),
        tuple(Request(r["id"], r["a"], r["b"], r["value"]) for r in event_json["requests"]),
    )
    solution = Solution(
        tuple(Placement(**p) for p in schedule["placed"]),
        tuple(Unplaced(**u) for u in schedule["unplaced"]),
        figures["value"],
        figures["bound"],
        figures["optimal"],
        figures["seconds"],
        figures["status"],
    )
    check(problem, solution)
