"""The expert assignment of dispatch rounds (portal.dispatch.assignment): rules, reasons, pins,
optimality against greedy, the generator and the benchmark command. Plain functions, no
database."""

from __future__ import annotations

import io
import json
import math
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from portal.dispatch import bench_cli
from portal.dispatch.assignment import (
    REASON_LABELS,
    Candidate,
    Enterprise,
    Expert,
    Problem,
    Solution,
    greedy,
    solve,
)
from portal.dispatch.assignment_gen import MIN_SCORE, generate

ROOT = Path(__file__).resolve().parents[2]


def check(problem: Problem, solution: Solution) -> None:
    """Every rule, read from the problem alone (independent of the optimiser)."""
    experts = {x.id: x for x in problem.experts}
    firms = {e.id: e for e in problem.enterprises}
    best: dict[tuple[int, int], float] = {}
    for c in problem.candidates:
        best[c.enterprise, c.expert] = max(c.score, best.get((c.enterprise, c.expert), -math.inf))
    pairs = list(solution.assigned)
    assert len(pairs) == len(set(pairs)), "a pair assigned twice"
    assert set(problem.pinned) <= set(pairs), "a pinned pair dropped"
    for e, x in pairs:
        org = experts[x].organization
        assert org is None or org != firms[e].organization, f"expert {x} at own organisation {e}"
        assert org is None or org not in firms[e].excluded, f"expert {x} excluded by {e}"
        if (e, x) not in problem.pinned:
            assert best.get((e, x), -math.inf) >= problem.min_score, f"{(e, x)} under minimum"
    load = Counter(x for _, x in pairs)
    assert all(n <= experts[x].capacity for x, n in load.items()), "a capacity exceeded"
    per = Counter(e for e, _ in pairs)
    assert all(n <= problem.per_enterprise for n in per.values()), "too many experts"
    unserved = dict(solution.unserved)
    assert set(unserved) == set(firms) - set(per)
    assert all(reason in REASON_LABELS for reason in unserved.values())
    assert solution.served == len(per)
    value = sum(round(best.get(p, 0.0) * 10_000) for p in pairs) / 10_000
    assert solution.value == pytest.approx(value)


def expert(xid: int, capacity: int = 1, organization: int | None = None) -> Expert:
    return Expert(xid, capacity, organization)


def firm(eid: int, organization: int | None = None, excluded: set[int] | None = None) -> Enterprise:
    return Enterprise(eid, organization, frozenset(excluded or ()))


def scores(*triples: tuple[int, int, float]) -> tuple[Candidate, ...]:
    return tuple(Candidate(e, x, s) for e, x, s in triples)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_generated_rounds_keep_every_rule_and_beat_greedy(seed: int) -> None:
    problem = generate(120, 45, seed)
    best, base = solve(problem), greedy(problem)
    check(problem, best)
    check(problem, base)
    assert best.optimal
    assert not base.optimal
    assert best.value >= base.value
    if best.value == base.value:
        assert best.served >= base.served


def test_greedy_is_worse_where_the_optimiser_is_not() -> None:
    # expert 1 is best for both; greedy gives it to enterprise 1 and leaves enterprise 2 bare
    problem = Problem(
        (expert(1), expert(2)),
        (firm(1), firm(2)),
        scores((1, 1, 0.9), (1, 2, 0.8), (2, 1, 0.85)),
        0.3,
    )
    base, best = greedy(problem), solve(problem)
    assert base.assigned == ((1, 1),)
    assert base.value == pytest.approx(0.9)
    assert base.unserved == ((2, "capacity"),)
    assert best.assigned == ((1, 2), (2, 1))
    assert best.value == pytest.approx(1.65)
    assert best.unserved == ()
    assert best.optimal
    check(problem, best)


def test_equal_score_prefers_more_enterprises_served() -> None:
    problem = Problem(
        (expert(1), expert(2)),
        (firm(1), firm(2)),
        scores((1, 1, 1.0), (1, 2, 0.5), (2, 2, 0.5)),
        0.3,
        per_enterprise=2,
    )
    best = solve(problem)
    assert best.assigned == ((1, 1), (2, 2))
    assert best.served == 2
    check(problem, best)


def test_each_reason() -> None:
    problem = Problem(
        (expert(1, 1, organization=7), expert(2, 1, organization=8), expert(3, 1)),
        (
            firm(1),  # no candidate at all
            firm(2),  # only a pair under the minimum
            firm(3, organization=7),  # only its own organisation's expert
            firm(4, excluded={8}),  # only an excluded organisation's expert
            firm(5),  # expert 3 goes to enterprise 6, which scores higher
            firm(6),
        ),
        scores((2, 3, 0.29), (3, 1, 2.0), (4, 2, 2.0), (5, 3, 0.5), (6, 3, 0.9)),
        0.3,
    )
    expected = ((1, "no_candidate"), (2, "no_candidate"), (3, "conflict"))
    expected += ((4, "conflict"), (5, "capacity"))
    for answer in (solve(problem), greedy(problem)):
        assert answer.assigned == ((6, 3),)
        assert answer.unserved == expected
        check(problem, answer)
    assert {REASON_LABELS[r] for _, r in expected} == {
        "无达到最低分的专家",
        "仅有回避单位的专家",
        "候选专家名额已满",
    }


def test_pinned_pairs_stay_and_count_against_capacity() -> None:
    problem = Problem(
        (expert(1, 2), expert(2, 1)),
        (firm(1), firm(2), firm(3), firm(4)),
        scores((1, 1, 0.1), (2, 1, 2.0), (3, 1, 1.5), (3, 2, 0.4), (4, 2, 0.6)),
        0.3,
        pinned=((1, 1), (4, 2)),  # staff's choices, the first under the minimum score
    )
    for answer in (solve(problem), greedy(problem)):
        assert answer.assigned == ((1, 1), (2, 1), (4, 2))
        assert answer.unserved == ((3, "capacity"),)
        assert answer.value == pytest.approx(0.1 + 2.0 + 0.6)
        check(problem, answer)
    assert solve(problem).optimal


def test_pinned_enterprise_takes_more_experts_up_to_its_limit() -> None:
    problem = Problem(
        (expert(1), expert(2), expert(3)),
        (firm(1),),
        scores((1, 1, 0.5), (1, 2, 0.9), (1, 3, 0.7)),
        0.3,
        per_enterprise=2,
        pinned=((1, 1),),
    )
    best = solve(problem)
    assert best.assigned == ((1, 1), (1, 2))
    check(problem, best)


def test_a_pinned_pair_breaking_a_rule_is_refused() -> None:
    experts = (expert(1, 1, organization=7), expert(2, 1, organization=8))
    firms = (firm(1, organization=7), firm(2, excluded={8}), firm(3))
    cases = [
        (((3, 1), (3, 2)), 1, "企业 3 的固定专家数 2 超过每家企业上限 1"),
        (((1, 2), (3, 2)), 2, "专家 2 的固定分配数 2 超过其服务名额 1"),
        (((1, 1),), 1, "固定分配违反回避规则：专家 1 与企业 1 属于同一单位"),
        (((2, 2),), 1, "固定分配违反回避规则：专家 2 所在单位 8 是企业 2 的回避单位"),
        (((9, 1),), 1, "固定分配引用了未知企业 9"),
        (((3, 9),), 1, "固定分配引用了未知专家 9"),
        (((3, 1), (3, 1)), 2, "固定分配重复：企业 3，专家 1"),
    ]
    for pinned, per, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            Problem(experts, firms, (), 0.3, per_enterprise=per, pinned=pinned)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"experts": (expert(1), expert(1))}, "专家编号重复：[1]"),
        ({"enterprises": (firm(2), firm(2))}, "企业编号重复：[2]"),
        ({"experts": (expert(1, 0),)}, "专家 1 的服务名额必须为正整数（现为 0）"),
        ({"candidates": scores((5, 1, 1.0))}, "候选评分引用了未知企业 5"),
        ({"candidates": scores((2, 5, 1.0))}, "候选评分引用了未知专家 5"),
        ({"candidates": scores((2, 1, math.nan))}, "企业 2 与专家 1 的评分无效"),
        ({"per_enterprise": 0}, "每家企业的特派专家数上限必须为正整数（现为 0）"),
        ({"min_score": -0.1}, "最低分必须是非负数"),
    ],
)
def test_invalid_problems_are_refused(change: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = {
        "experts": (expert(1),),
        "enterprises": (firm(2),),
        "candidates": scores((2, 1, 1.0)),
        "min_score": 0.3,
    } | change
    with pytest.raises(ValueError, match=re.escape(message)):
        Problem(**data)


def test_deterministic_and_independent_of_candidate_order() -> None:
    problem = generate(150, 60, 11)
    shuffled = list(problem.candidates)
    random.Random(0).shuffle(shuffled)
    other = Problem(problem.experts, problem.enterprises, tuple(shuffled), problem.min_score)
    first, second, third = solve(problem), solve(problem), solve(other)
    assert first.assigned == second.assigned == third.assigned
    assert first.unserved == second.unserved == third.unserved
    assert greedy(problem).assigned == greedy(other).assigned


def test_generator_is_reproducible_and_realistic() -> None:
    problem = generate(400, 150, 3)
    assert problem == generate(400, 150, 3) != generate(400, 150, 4)
    assert problem.min_score == MIN_SCORE == 0.3
    assert problem.per_enterprise == 1
    caps = [x.capacity for x in problem.experts]
    assert set(caps) <= {1, 2, 3, 4, 5}
    assert 2.6 < sum(caps) / len(caps) < 3.4
    assert all(0 <= c.score <= 3 for c in problem.candidates)
    share = sum(c.score >= 0.3 for c in problem.candidates) / len(problem.candidates)
    assert 0.5 < share < 0.85
    assert len({(c.enterprise, c.expert) for c in problem.candidates}) == len(problem.candidates)
    institutes = {x.organization for x in problem.experts if x.organization is not None}
    assert len({o for o in institutes if o < 1000}) > 60
    assert any(e.excluded for e in problem.enterprises)
    assert len({e.organization for e in problem.enterprises}) == 400


def _check_files(out: Path, figures: dict[str, Any]) -> None:
    expected = {"served", "value", "seconds", "greedy_served", "greedy_value", "optimal"}
    assert expected | {"candidates"} <= set(figures)
    assert figures["value"] >= figures["greedy_value"]
    assert figures["optimal"] is True
    data = json.loads((out / "input.json").read_text(encoding="utf-8"))
    answer = json.loads((out / "assignment.json").read_text(encoding="utf-8"))
    assert set(data) == {"experts", "enterprises", "scores"}
    assert set(data["experts"][0]) == {"id", "capacity", "organization"}
    assert set(data["enterprises"][0]) == {"id", "organization", "excluded"}
    assert all(set(s) == {"enterprise", "expert", "score"} for s in data["scores"])
    assert all(s["score"] >= 0.3 for s in data["scores"])
    assert len(data["scores"]) == figures["candidates"]
    assert set(answer) == {"assigned", "unserved"}
    assert all(set(a) == {"enterprise", "expert"} for a in answer["assigned"])
    assert all(set(u) == {"enterprise", "reason"} for u in answer["unserved"])
    assert len(answer["assigned"]) == figures["served"]
    # the files alone are enough to check the assignment
    problem = Problem(
        tuple(Expert(x["id"], x["capacity"], x["organization"]) for x in data["experts"]),
        tuple(
            Enterprise(e["id"], e["organization"], frozenset(e["excluded"]))
            for e in data["enterprises"]
        ),
        tuple(Candidate(s["enterprise"], s["expert"], s["score"]) for s in data["scores"]),
        0.3,
    )
    solution = Solution(
        tuple((a["enterprise"], a["expert"]) for a in answer["assigned"]),
        tuple((u["enterprise"], u["reason"]) for u in answer["unserved"]),
        figures["value"],
        figures["optimal"],
        figures["seconds"],
    )
    check(problem, solution)
    assert solution.unserved == solve(problem).unserved


def test_module_entry_writes_checkable_files(tmp_path: Path) -> None:
    args = ["--enterprises=60", "--experts=25", "--seed=5", f"--out={tmp_path}"]
    done = subprocess.run(
        [sys.executable, "-m", "portal.dispatch.bench_cli", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    _check_files(tmp_path, json.loads(lines[0]))


def test_main_and_command_print_the_same_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--enterprises=40", "--experts=15", "--seed=2"]
    assert bench_cli.main([*args, f"--out={tmp_path / 'main'}"]) == 0
    figures = json.loads(capsys.readouterr().out)
    out = io.StringIO()
    call_command("dispatch_bench", *args, f"--out={tmp_path / 'command'}", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    printed = json.loads(lines[0])
    timing = {"seconds", "greedy_seconds", "generate_seconds"}
    assert {k: v for k, v in printed.items() if k not in timing} == {
        k: v for k, v in figures.items() if k not in timing
    }
    _check_files(tmp_path / "command", printed)
    for name in ("input.json", "assignment.json"):
        assert (tmp_path / "main" / name).read_bytes() == (tmp_path / "command" / name).read_bytes()
