"""1:1 meeting scheduler of a matchmaking event (对接会): CP-SAT, with a greedy baseline.

Pure Python (no Django). A request is a meeting wanted between two participants; it is placed
in one slot at one table. Hard rules: nobody twice in one slot, only in declared slots, caps,
one meeting per table and slot, a request at most once and only at a table of its pool.
Pinned requests (placed by staff) stay exactly where they are, even outside availability.

The model: tables of one pool are interchangeable, so CP-SAT decides x[request, slot] only and
capacity is counted per (pool, slot) and per slot; concrete table ids are assigned afterwards
(pinned tables fixed, then pool-bound requests, then pool-free ones, each the lowest free id).
y[request] = sum of its x carries the objective, value * K + 1 with K = candidates + 1 (value
first, ties to more meetings), and redundant rows (caps, table totals) for a fast, tight LP
bound. The greedy schedule is the hint, and the answer is never below it.

Reasons of unplaced requests, checked in this order (the first that holds is given):
``no_common_slot`` (no shared free slot after pinned meetings, or no table in the pool),
``cap_reached`` (a side already holds its cap), ``room_full`` (both free in some shared slot,
but every such slot is full), ``busy`` (in every shared slot one side meets someone else).
Both schedules are maximal (nothing more fits), so these four cover every unplaced request.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

SEED = 20240611
REASON_LABELS: dict[str, str] = {
    "no_common_slot": "无共同空闲时段",
    "cap_reached": "已达洽谈上限",
    "room_full": "桌位已满",
    "busy": "时段冲突",
}


@dataclass(frozen=True)
class Table:
    id: int
    pool: str = "main"


@dataclass(frozen=True)
class Participant:
    id: int
    available: frozenset[int]
    cap: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "available", frozenset(self.available))


@dataclass(frozen=True)
class Request:
    """A wanted meeting; ``pool`` None means any table, ``pinned`` is (slot, table)."""

    id: int
    a: int
    b: int
    value: int
    pool: str | None = None
    pinned: tuple[int, int] | None = None


@dataclass(frozen=True)
class Problem:
    """One event's scheduling input; validated on construction (``ValueError``)."""

    slots: tuple[int, ...]
    tables: tuple[Table, ...]
    participants: tuple[Participant, ...]
    requests: tuple[Request, ...]

    def __post_init__(self) -> None:
        for name in ("slots", "tables", "participants", "requests"):
            object.__setattr__(self, name, tuple(getattr(self, name)))  # lists are accepted
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` (Chinese message) on the first inconsistency found."""
        for what, ids in (
            ("时段", list(self.slots)),
            ("桌号", [t.id for t in self.tables]),
            ("参与方编号", [p.id for p in self.participants]),
            ("洽谈请求编号", [r.id for r in self.requests]),
        ):
            if len(set(ids)) < len(ids):
                raise ValueError(
                    f"{what}重复：{sorted(i for i, n in Counter(ids).items() if n > 1)}"
                )
        slots = set(self.slots)
        tables = {t.id: t.pool for t in self.tables}
        people = {p.id: p for p in self.participants}
        for p in self.participants:
            if p.cap <= 0:
                raise ValueError(f"参与方 {p.id} 的洽谈上限必须为正整数（现为 {p.cap}）")
            extra = sorted(p.available - slots)
            if extra:
                raise ValueError(f"参与方 {p.id} 的空闲时段 {extra} 不是本场活动的时段")
        seats: dict[tuple[int, int], int] = {}
        held: dict[tuple[int, int], int] = {}
        pinned: Counter[int] = Counter()
        for r in self.requests:
            for side in (r.a, r.b):
                if side not in people:
                    raise ValueError(f"洽谈请求 {r.id} 引用了未知参与方 {side}")
            if r.a == r.b:
                raise ValueError(f"洽谈请求 {r.id} 的双方是同一参与方 {r.a}")
            if r.value <= 0:
                raise ValueError(f"洽谈请求 {r.id} 的权重必须为正整数（现为 {r.value}）")
            if r.pinned is None:
                continue
            slot, table = r.pinned
            if slot not in slots:
                raise ValueError(f"洽谈请求 {r.id} 固定在未知时段 {slot}")
            if table not in tables:
                raise ValueError(f"洽谈请求 {r.id} 固定在未知桌号 {table}")
            if r.pool is not None and tables[table] != r.pool:
                raise ValueError(f"洽谈请求 {r.id} 限定场地 {r.pool}，桌 {table} 不属于该场地")
            if (slot, table) in seats:
                raise ValueError(f"洽谈请求 {seats[slot, table]} 与 {r.id} 固定在同一时段同一桌")
            seats[slot, table] = r.id
            for side in (r.a, r.b):
                if (side, slot) in held:
                    raise ValueError(f"参与方 {side} 在时段 {slot} 有两个固定洽谈")
                held[side, slot] = r.id
                pinned[side] += 1
        for side, n in pinned.items():
            if n > people[side].cap:
                raise ValueError(f"参与方 {side} 的固定洽谈数 {n} 超过其洽谈上限")


@dataclass(frozen=True)
class Placement:
    request: int
    slot: int
    table: int


@dataclass(frozen=True)
class Unplaced:
    request: int
    reason: str


@dataclass(frozen=True)
class Solution:
    """``value`` counts pinned meetings; ``bound`` is a proven upper bound of it, ``optimal``
    that they are equal. ``status``: CP-SAT's (OPTIMAL also when ``relative_gap`` stopped it)."""

    placed: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    value: int
    bound: int
    optimal: bool
    seconds: float
    status: str

    @property
    def gap(self) -> float:
        return (self.bound - self.value) / self.bound if self.bound else 0.0


class _Index:
    """Lookups shared by greedy, the model, table assignment and reasons."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.order = {s: i for i, s in enumerate(problem.slots)}
        self.people = {p.id: p for p in problem.participants}
        self.by_id = {r.id: r for r in problem.requests}
        self.value = {r.id: r.value for r in problem.requests}
        self.pool_tables: dict[str, list[int]] = defaultdict(list)
        for t in sorted(problem.tables, key=lambda t: t.id):
            self.pool_tables[t.pool].append(t.id)
        self.all_tables = sorted(t.id for t in problem.tables)
        self.table_pool = {t.id: t.pool for t in problem.tables}
        self.pinned = [r for r in problem.requests if r.pinned is not None]
        self.free = sorted(
            (r for r in problem.requests if r.pinned is None), key=lambda r: (-r.value, r.id)
        )
        busy: dict[int, set[int]] = defaultdict(set)
        for r in self.pinned:
            assert r.pinned is not None
            busy[r.a].add(r.pinned[0])
            busy[r.b].add(r.pinned[0])
        people = self.people
        self.shared = {
            r.id: sorted(
                (people[r.a].available & people[r.b].available) - busy[r.a] - busy[r.b],
                key=self.order.__getitem__,
            )
            for r in problem.requests
        }

    def common(self, r: Request) -> list[int]:
        """Slots, in event order, both sides declared and hold no pinned meeting in."""
        return self.shared[r.id]

    def has_tables(self, r: Request) -> bool:
        return bool(self.all_tables if r.pool is None else self.pool_tables.get(r.pool))

    def trivial_bound(self) -> int:
        """Every request that has a shared slot placed: the bound greedy reports."""
        free = sum(r.value for r in self.free if self.has_tables(r) and self.common(r))
        return free + sum(r.value for r in self.pinned)


class _State:
    """Who meets when and table counts per (pool, slot) and per slot; no table ids yet."""

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        self.slot_of: dict[int, int] = {}
        self.busy: dict[int, set[int]] = defaultdict(set)
        self.count: Counter[int] = Counter()
        self.in_pool: Counter[tuple[str, int]] = Counter()
        self.in_slot: Counter[int] = Counter()
        for r in ix.pinned:
            assert r.pinned is not None
            self.place(r, r.pinned[0], ix.table_pool[r.pinned[1]])

    def place(self, r: Request, slot: int, pool: str | None) -> None:
        """Book both sides in ``slot`` and one table (of ``pool``, or of any pool if None)."""
        self.slot_of[r.id] = slot
        for side in (r.a, r.b):
            self.busy[side].add(slot)
            self.count[side] += 1
        if pool is not None:
            self.in_pool[pool, slot] += 1
        self.in_slot[slot] += 1

    def capped(self, r: Request) -> bool:
        people = self.ix.people
        return self.count[r.a] >= people[r.a].cap or self.count[r.b] >= people[r.b].cap

    def both_free(self, r: Request, slot: int) -> bool:
        return slot not in self.busy[r.a] and slot not in self.busy[r.b]

    def room(self, r: Request, slot: int) -> bool:
        if self.in_slot[slot] >= len(self.ix.all_tables):
            return False
        return r.pool is None or self.in_pool[r.pool, slot] < len(self.ix.pool_tables[r.pool])

    def fill(self, requests: list[Request]) -> _State:
        """Place each request (in the given order) in its first slot that still fits."""
        for r in requests:
            if r.id in self.slot_of or self.capped(r):
                continue
            for slot in self.ix.common(r):
                if self.both_free(r, slot) and self.room(r, slot):
                    self.place(r, slot, r.pool)
                    break
        return self

    def key(self) -> tuple[int, int]:
        """(value, count) of the meetings held, pinned ones included."""
        return sum(self.ix.value[rid] for rid in self.slot_of), len(self.slot_of)

    def reason(self, r: Request) -> str:
        if not self.ix.has_tables(r) or not self.ix.common(r):
            return "no_common_slot"
        if self.capped(r):
            return "cap_reached"
        if any(self.both_free(r, s) for s in self.ix.common(r)):
            return "room_full"
        return "busy"


def _finish(state: _State, bound: int, seconds: float, status: str) -> Solution:
    """Assign table ids, name the reasons and total the value."""
    ix = state.ix
    by_id = ix.by_id
    used: dict[int, set[int]] = defaultdict(set)
    table_of: dict[int, int] = {}
    for r in ix.pinned:
        assert r.pinned is not None
        used[r.pinned[0]].add(r.pinned[1])
        table_of[r.id] = r.pinned[1]
    waiting = sorted(
        (rid for rid in state.slot_of if rid not in table_of),
        key=lambda rid: (by_id[rid].pool is None, rid),
    )
    for rid in waiting:
        r, slot = by_id[rid], state.slot_of[rid]
        choices = ix.all_tables if r.pool is None else ix.pool_tables[r.pool]
        table_of[rid] = next(t for t in choices if t not in used[slot])
        used[slot].add(table_of[rid])
    placed = sorted(
        (Placement(rid, state.slot_of[rid], table_of[rid]) for rid in state.slot_of),
        key=lambda p: (ix.order[p.slot], p.table),
    )
    unplaced = tuple(
        Unplaced(r.id, state.reason(r))
        for r in sorted(ix.problem.requests, key=lambda r: r.id)
        if r.id not in state.slot_of
    )
    value = state.key()[0]
    bound = max(bound, value)
    return Solution(tuple(placed), unplaced, value, bound, value == bound, seconds, status)


def greedy(problem: Problem) -> Solution:
    """Highest value first (ties: lower id), each into its first slot that still fits."""
    start = time.perf_counter()
    ix = _Index(problem)
    state = _State(ix).fill(ix.free)
    return _finish(state, ix.trivial_bound(), time.perf_counter() - start, "GREEDY")


class _Model:
    """x[request, slot] over each request's shared free slots; y[request] = sum of its x."""

    def __init__(self, ix: _Index, hint: _State) -> None:
        model = self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.y: dict[int, cp_model.IntVar] = {}
        pinned = _State(ix)
        by_person: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        person_slots: dict[int, set[int]] = defaultdict(set)
        by_person_slot: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        by_pool_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        by_pool: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for r in ix.free:
            slots = [] if pinned.capped(r) else [s for s in ix.common(r) if pinned.room(r, s)]
            if not slots:
                continue
            y = self.y[r.id] = model.new_bool_var(f"y{r.id}")
            model.add_hint(y, r.id in hint.slot_of)
            own = []
            for slot in slots:
                var = self.x[r.id, slot] = model.new_bool_var(f"x{r.id}_{slot}")
                own.append(var)
                model.add_hint(var, hint.slot_of.get(r.id) == slot)
                for side in (r.a, r.b):
                    by_person_slot[side, slot].append(var)
                if r.pool is not None:
                    by_pool_slot[r.pool, slot].append(var)
                by_slot[slot].append(var)
            model.add(sum(own) == y)
            for side in (r.a, r.b):
                by_person[side].append(y)
                person_slots[side].update(slots)
            if r.pool is not None:
                by_pool[r.pool].append(y)
        for group in by_person_slot.values():
            if len(group) > 1:
                model.add_at_most_one(group)
        for side, group in by_person.items():
            limit = min(ix.people[side].cap - pinned.count[side], len(person_slots[side]))
            if len(group) > limit:
                model.add(sum(group) <= limit)
        rooms = {slot: len(ix.all_tables) - pinned.in_slot[slot] for slot in ix.problem.slots}
        for (pool, slot), group in by_pool_slot.items():
            room = len(ix.pool_tables[pool]) - pinned.in_pool[pool, slot]
            if len(group) > room:
                model.add(sum(group) <= room)
        for slot, group in by_slot.items():  # pool-free requests may take any table
            if len(group) > rooms[slot]:
                model.add(sum(group) <= rooms[slot])
        for pool, group in by_pool.items():
            room = sum(len(ix.pool_tables[pool]) - pinned.in_pool[pool, s] for s in ix.order)
            if len(group) > room:
                model.add(sum(group) <= room)
        if len(self.y) > sum(rooms.values()):
            model.add(sum(self.y.values()) <= sum(rooms.values()))
        self.k = len(self.y) + 1
        model.maximize(sum((ix.value[rid] * self.k + 1) * y for rid, y in self.y.items()))


def solve(
    problem: Problem, *, time_limit: float = 60.0, relative_gap: float = 0.0, workers: int = 1
) -> Solution:
    """Maximise the placed value (then the count) with CP-SAT, starting from greedy.

    CP-SAT gets what is left of ``time_limit`` once the model is built. One worker by default:
    with the fixed seed the schedule is the same for the same input whenever the search ends
    before the limit (two workers find a little more on large events, but a different
    schedule on each run).
    """
    start = time.perf_counter()
    ix = _Index(problem)
    base = _State(ix).fill(ix.free)
    built = _Model(ix, base)
    if not built.x:
        return _finish(base, 0, time.perf_counter() - start, "OPTIMAL")
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = SEED
    solver.parameters.num_workers = workers
    solver.parameters.relative_gap_limit = relative_gap
    left = time_limit - (time.perf_counter() - start)
    solver.parameters.max_time_in_seconds = max(0.05, left - min(0.5, 0.02 * time_limit))
    status = solver.solve(built.model)
    state, bound = base, ix.trivial_bound()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        state = _State(ix)
        for (rid, slot), var in built.x.items():
            if solver.boolean_value(var):
                state.place(ix.by_id[rid], slot, ix.by_id[rid].pool)
        state.fill(ix.free)  # a search stopped early may leave room: fill it
        bound = sum(r.value for r in ix.pinned) + int(solver.best_objective_bound) // built.k
        if base.key() > state.key():
            state = base
    return _finish(state, bound, time.perf_counter() - start, solver.status_name(status))
