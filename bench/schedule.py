"""The 1:1 meeting scheduler of matchmaking events against its greedy baseline (issue 11).

Two synthetic events through ``manage.py schedule_bench`` (no database): small, 60
participants / 300 requests, 1 day x 12 slots x 15 tables; large, 500 participants / 5,000
requests, 2 days x 16 slots x 40 tables. Each schedule.json is checked here independently
(slots, tables, availability, caps). Writes the section "Meeting scheduler (issue 11)" of
bench/results.md and bench/out/schedule.json; the events' files stay in bench/out/schedule-*/.
Run by ``make bench``; alone: ``.venv/bin/python bench/schedule.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from results_md import replace_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Meeting scheduler (issue 11)"
SIZES: dict[str, dict[str, int]] = {
    "small": {"participants": 60, "requests": 300, "days": 1, "slots": 12, "tables": 15},
    "large": {"participants": 500, "requests": 5000, "days": 2, "slots": 16, "tables": 40},
}
TIME_LIMIT = 60.0
SEED = 1


def violations(event: dict[str, Any], schedule: dict[str, Any]) -> int:
    """Broken rules in a schedule.json, read against its input.json only."""
    people = {p["id"]: p for p in event["participants"]}
    requests = {r["id"]: r for r in event["requests"]}
    slots, tables = set(event["slots"]), set(event["tables"])
    seats: Counter[tuple[int, int]] = Counter()
    held: Counter[tuple[int, int]] = Counter()
    meetings: Counter[int] = Counter()
    bad = 0
    seen = Counter(p["request"] for p in schedule["placed"])
    bad += sum(n - 1 for n in seen.values())
    for p in schedule["placed"]:
        r = requests[p["request"]]
        bad += p["slot"] not in slots or p["table"] not in tables
        seats[p["slot"], p["table"]] += 1
        for side in (r["a"], r["b"]):
            held[side, p["slot"]] += 1
            meetings[side] += 1
            bad += p["slot"] not in people[side]["available"]
    bad += sum(n - 1 for n in seats.values()) + sum(n - 1 for n in held.values())
    bad += sum(max(0, n - people[side]["cap"]) for side, n in meetings.items())
    unplaced = {u["request"] for u in schedule["unplaced"]}
    bad += len(set(requests) ^ (set(seen) | unplaced))
    return bad


def run(name: str, size: dict[str, int]) -> dict[str, Any]:
    out = ROOT / "bench" / "out" / f"schedule-{name}"
    args = [f"--{key}={value}" for key, value in size.items()]
    args += [f"--seed={SEED}", f"--out={out}", f"--time-limit={TIME_LIMIT}"]
    line = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "schedule_bench", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    figures: dict[str, Any] = json.loads(line.splitlines()[-1])
    event = json.loads((out / "input.json").read_text(encoding="utf-8"))
    schedule = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    figures["violations"] = violations(event, schedule)
    figures["reasons"] = dict(Counter(u["reason"] for u in schedule["unplaced"]))
    return figures | size


def main() -> dict[str, dict[str, Any]]:
    results = {name: run(name, size) for name, size in SIZES.items()}
    _write(results)
    return results


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _write(results: dict[str, dict[str, Any]]) -> None:
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "schedule.json").write_text(json.dumps(results, indent=1))
    rows, targets = [], []
    for name, f in results.items():
        shape = (
            f"{f['participants']} participants, {f['requests']:,} requests, "
            f"{f['days']} d x {f['slots']} slots x {f['tables']} tables"
        )
        rows.append(
            f"| {name}: CP-SAT | {shape} | {f['placed']} | {f['value']:,} | {f['bound']:,} | "
            f"{100 * f['gap']:.2f} % | {f['seconds']} | {f['status']} |"
        )
        rows.append(
            f"| {name}: greedy | | {f['greedy_placed']} | {f['greedy_value']:,} | | "
            f"{100 * f['greedy_gap']:.2f} % | {f['greedy_seconds']} | |"
        )
        at_least = f["placed"] >= f["greedy_placed"] and f["value"] >= f["greedy_value"]
        targets.append(f"| {name}: count and value ≥ greedy | {_met(at_least)} |")
        targets.append(f"| {name}: rules broken in schedule.json | {f['violations']} |")
    small, large = results["small"], results["large"]
    targets.append(
        f"| small proven optimal in < 10 s | "
        f"{_met(small['optimal'] and small['seconds'] < 10)} ({small['seconds']} s) |"
    )
    targets.append(
        f"| large within 60 s and 2 % of the bound | "
        f"{_met(large['seconds'] <= 60 and large['gap'] <= 0.02)} "
        f"({large['seconds']} s, {100 * large['gap']:.2f} %) |"
    )
    reasons = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(f["reasons"].items()))
        for name, f in results.items()
    )
    table = "\n".join(
        [
            SECTION,
            "",
            "`manage.py schedule_bench` (portal/events/scheduler.py, CP-SAT, one worker, "
            f"seed {SEED}, time limit {TIME_LIMIT:.0f} s) against the greedy baseline (highest "
            "value first, first slot that fits). Values: 70 % accepted requests 1000–1499, 30 % "
            "engine proposals 500–999. Gap = (bound − value) / bound, against CP-SAT's bound.",
            "",
            "| run | event | placed | value | bound | gap | seconds | status |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "| target | met |",
            "|---|---|",
            *targets,
            "",
            f"Unplaced reasons: {reasons}.",
            "",
            "Measured while building the model (large event, seed 1, 60 s), not by this run: "
            "with x[request, slot] alone CP-SAT's bound stayed at 1,879,160 (gap 4.9 %); the "
            "y[request] rows (caps and table totals) bring it to the LP value 1,797,661 in about "
            "12 s. Two workers improve the large schedule to 1,790,867 (gap 0.38 %) but return a "
            "different schedule on each run, so one worker is the default.",
            "",
        ]
    )
    replace_section(SECTION, table)
    print(table)


if __name__ == "__main__":
    main()
