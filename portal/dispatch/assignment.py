"""Expert assignment of a dispatch round (产业特派员, issue 13): min-cost flow, greedy beside it.

Pure Python (no Django). Each enterprise is served by at most ``per_enterprise`` experts, each
expert serves at most ``capacity`` enterprises; an expert is never sent to their own
organisation nor to one the enterprise excluded, and never on a pair scored under
``min_score``. Pinned pairs (staff's manual assignments) stay and count against capacity; they
must respect capacity, ``per_enterprise`` and the conflict rule, not the minimum score (staff
may send an expert the engine did not propose).

The optimiser is OR-Tools' min-cost flow: source -> expert (remaining capacity) -> enterprise
(one unit per candidate pair) -> sink, the enterprise's first unit on a bonus arc and its
further units (``per_enterprise`` > 1) on a plain one, and a source -> sink bypass so serving is
optional. A pair costs -score x 10,000 x M, the bonus arc -1, M = enterprises + 1: the flow
maximises the total score (counted at 1/10,000, as ``value`` is), ties go to more enterprises
served. The result is optimal, and the same for the same problem (arcs in sorted order).

Reasons of unserved enterprises: ``no_candidate`` (no pair reaches the minimum score),
``conflict`` (every such pair is with its own or an excluded organisation), ``capacity``
(allowed experts existed, all are full). Both answers are maximal (no allowed expert with a
free place is left beside an unserved enterprise), so ``capacity`` is exact.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

SCALE = 10_000  # scores are counted in units of 1/SCALE
REASON_LABELS: dict[str, str] = {
    "no_candidate": "无达到最低分的专家",
    "conflict": "仅有回避单位的专家",
    "capacity": "候选专家名额已满",
}

Pair = tuple[int, int]  # (enterprise, expert)


@dataclass(frozen=True, slots=True)
class Expert:
    id: int
    capacity: int
    organization: int | None = None


@dataclass(frozen=True, slots=True)
class Enterprise:
    """``excluded``: organisations (e.g. competitors) whose experts the enterprise declines."""

    id: int
    organization: int | None = None
    excluded: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "excluded", frozenset(self.excluded))


@dataclass(frozen=True, slots=True)
class Candidate:
    """The score of an enterprise's open needs against an expert who covers its field and
    district; the best score counts when a pair is given more than once."""

    enterprise: int
    expert: int
    score: float


def conflicts(enterprise: Enterprise, expert: Expert) -> bool:
    """True if the expert belongs to the enterprise's organisation or to one it excluded."""
    org = expert.organization
    return org is not None and (org == enterprise.organization or org in enterprise.excluded)


def scaled(score: float) -> int:
    """A score in integer units of 1/SCALE, as the optimiser and ``value`` count it."""
    return round(score * SCALE)


@dataclass(frozen=True)
class Problem:
    """One round's input; validated on construction (``ValueError``, Chinese message)."""

    experts: tuple[Expert, ...]
    enterprises: tuple[Enterprise, ...]
    candidates: tuple[Candidate, ...]
    min_score: float
    per_enterprise: int = 1
    pinned: tuple[Pair, ...] = ()

    def __post_init__(self) -> None:
        for name in ("experts", "enterprises", "candidates"):
            object.__setattr__(self, name, tuple(getattr(self, name)))  # lists are accepted
        object.__setattr__(self, "pinned", tuple((e, x) for e, x in self.pinned))
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` (Chinese message) on the first inconsistency found."""
        for what, ids in (
            ("专家编号", [x.id for x in self.experts]),
            ("企业编号", [e.id for e in self.enterprises]),
        ):
            if len(set(ids)) < len(ids):
                raise ValueError(
                    f"{what}重复：{sorted(i for i, n in Counter(ids).items() if n > 1)}"
                )
        if self.per_enterprise <= 0:
            raise ValueError(f"每家企业的特派专家数上限必须为正整数（现为 {self.per_enterprise}）")
        if not math.isfinite(self.min_score) or self.min_score < 0:
            raise ValueError(f"最低分必须是非负数（现为 {self.min_score}）")
        experts = {x.id: x for x in self.experts}
        enterprises = {e.id: e for e in self.enterprises}
        for x in self.experts:
            if x.capacity <= 0:
                raise ValueError(f"专家 {x.id} 的服务名额必须为正整数（现为 {x.capacity}）")
        for c in self.candidates:
            if c.enterprise not in enterprises:
                raise ValueError(f"候选评分引用了未知企业 {c.enterprise}")
            if c.expert not in experts:
                raise ValueError(f"候选评分引用了未知专家 {c.expert}")
            if not math.isfinite(c.score):
                raise ValueError(f"企业 {c.enterprise} 与专家 {c.expert} 的评分无效：{c.score}")
        self._validate_pinned(experts, enterprises)

    def _validate_pinned(
        self, experts: dict[int, Expert], enterprises: dict[int, Enterprise]
    ) -> None:
        seen: set[Pair] = set()
        load: Counter[int] = Counter()
        served: Counter[int] = Counter()
        for e, x in self.pinned:
            if e not in enterprises:
                raise ValueError(f"固定分配引用了未知企业 {e}")
            if x not in experts:
                raise ValueError(f"固定分配引用了未知专家 {x}")
            if (e, x) in seen:
                raise ValueError(f"固定分配重复：企业 {e}，专家 {x}")
            seen.add((e, x))
            enterprise, expert = enterprises[e], experts[x]
            if expert.organization is not None and expert.organization == enterprise.organization:
                raise ValueError(f"固定分配违反回避规则：专家 {x} 与企业 {e} 属于同一单位")
            if conflicts(enterprise, expert):
                raise ValueError(
                    f"固定分配违反回避规则：专家 {x} 所在单位 {expert.organization} "
                    f"是企业 {e} 的回避单位"
                )
            load[x] += 1
            served[e] += 1
            if load[x] > expert.capacity:
                raise ValueError(
                    f"专家 {x} 的固定分配数 {load[x]} 超过其服务名额 {expert.capacity}"
                )
            if served[e] > self.per_enterprise:
                raise ValueError(
                    f"企业 {e} 的固定专家数 {served[e]} 超过每家企业上限 {self.per_enterprise}"
                )


@dataclass(frozen=True)
class Solution:
    """``assigned`` sorted, pinned pairs included; ``unserved`` are enterprises with no expert
    at all, by id; ``value``: total score of ``assigned`` (at 1/SCALE, pinned pairs with their
    candidate score or 0); ``optimal``: proven maximal value (min-cost flow)."""

    assigned: tuple[Pair, ...]
    unserved: tuple[tuple[int, str], ...]
    value: float
    optimal: bool
    seconds: float

    @property
    def served(self) -> int:
        return len({e for e, _ in self.assigned})


class _Index:
    """Best score per pair, the free (allowed, unpinned) pairs and what the pins hold."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.capacity = {x.id: x.capacity for x in problem.experts}
        pins = set(problem.pinned)
        best: dict[Pair, float] = {}
        pin_score: dict[Pair, float] = {}
        for c in problem.candidates:
            key = (c.enterprise, c.expert)
            if key in pins and c.score > pin_score.get(key, -math.inf):
                pin_score[key] = c.score
            if c.score >= problem.min_score and c.score > best.get(key, -math.inf):
                best[key] = c.score
        experts = {x.id: x for x in problem.experts}
        enterprises = {e.id: e for e in problem.enterprises}
        self.score = best | {p: pin_score.get(p, 0.0) for p in pins}
        self.above = {e for e, _ in best}  # enterprises with a pair at or above the minimum
        self.allowed: set[int] = set()  # ... of which one is not a conflict
        self.free: list[tuple[int, int, float]] = []
        for (e, x), score in sorted(best.items()):
            if conflicts(enterprises[e], experts[x]):
                continue
            self.allowed.add(e)
            if (e, x) not in pins:
                self.free.append((e, x, score))
        self.pinned = sorted(pins)
        self.load = Counter(x for _, x in pins)
        self.served = Counter(e for e, _ in pins)

    def finish(self, chosen: list[Pair], optimal: bool, start: float) -> Solution:
        assigned = tuple(sorted([*self.pinned, *chosen]))
        served = {e for e, _ in assigned}
        unserved = tuple(
            (e, self.reason(e))
            for e in sorted(x.id for x in self.problem.enterprises)
            if e not in served
        )
        value = sum(scaled(self.score[p]) for p in assigned) / SCALE
        return Solution(assigned, unserved, value, optimal, time.perf_counter() - start)

    def reason(self, enterprise: int) -> str:
        if enterprise not in self.above:
            return "no_candidate"
        return "capacity" if enterprise in self.allowed else "conflict"


def greedy(problem: Problem) -> Solution:
    """Best score first (ties: lower enterprise id, then expert id) while places last."""
    start = time.perf_counter()
    ix = _Index(problem)
    load, served = Counter(ix.load), Counter(ix.served)
    chosen: list[Pair] = []
    # ix.free is sorted by (enterprise, expert), and the sort is stable: ties keep that order
    for e, x, _ in sorted(ix.free, key=lambda t: -t[2]):
        if load[x] < ix.capacity[x] and served[e] < problem.per_enterprise:
            chosen.append((e, x))
            load[x] += 1
            served[e] += 1
    return ix.finish(chosen, False, start)


def solve(problem: Problem) -> Solution:
    """Maximise the total score (then the enterprises served) by min-cost flow; optimal.

    Falls back to the greedy answer with ``optimal`` False only if OR-Tools refuses the
    network (costs out of its range, scores far beyond the usual 0–3).
    """
    start = time.perf_counter()
    ix = _Index(problem)
    per = problem.per_enterprise
    left = {x: ix.capacity[x] - ix.load[x] for x in ix.capacity}
    arcs = [(e, x, s) for e, x, s in ix.free if left[x] > 0 and ix.served[e] < per]
    if not arcs:
        return ix.finish([], True, start)
    experts = sorted({x for _, x, _ in arcs})
    enterprises = sorted({e for e, _, _ in arcs})
    node = {x: 2 + i for i, x in enumerate(experts)}  # 0 source, 1 sink
    ent = {e: 2 + len(experts) + i for i, e in enumerate(enterprises)}
    weight = len(enterprises) + 1  # one more score unit outweighs every served bonus
    tails: list[int] = [0] * len(experts)
    heads: list[int] = [node[x] for x in experts]
    caps: list[int] = [left[x] for x in experts]
    costs: list[int] = [0] * len(experts)
    first = len(tails)
    tails += [node[x] for _, x, _ in arcs]
    heads += [ent[e] for e, _, _ in arcs]
    caps += [1] * len(arcs)
    costs += [-scaled(s) * weight for _, _, s in arcs]
    for e in enterprises:
        room = per - ix.served[e]
        if ix.served[e] == 0:  # the first expert of an unserved enterprise: a bonus of 1
            tails.append(ent[e])
            heads.append(1)
            caps.append(1)
            costs.append(-1)
            room -= 1
        if room > 0:
            tails.append(ent[e])
            heads.append(1)
            caps.append(room)
            costs.append(0)
    flow = min(sum(caps[: len(experts)]), sum(per - ix.served[e] for e in enterprises))
    tails.append(0)  # the bypass: serving is optional
    heads.append(1)
    caps.append(flow)
    costs.append(0)
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    network.set_node_supply(0, flow)
    network.set_node_supply(1, -flow)
    if network.solve() != network.OPTIMAL:
        fallback = greedy(problem)
        return ix.finish(list(set(fallback.assigned) - set(ix.pinned)), False, start)
    flows = network.flows(np.arange(first, first + len(arcs), dtype=np.int32))
    chosen = [(arcs[i][0], arcs[i][1]) for i in np.flatnonzero(flows).tolist()]
    return ix.finish(chosen, True, start)
