"""The load test (issue 16, ``make load``): gunicorn + PostgreSQL + Redis + a Celery worker
with 100,000 needs, 100,000 results and 10,000 experts, 20 concurrent locust users.

1. bench/load/data.py loads the database (``LOAD_DB``, default duijie_load), or keeps the
   one it loaded before with ``LOAD_REUSE=1``;
2. collectstatic, then gunicorn (``LOAD_WORKERS``, default 2 sync workers for 2 cores,
   60 s timeout as in the Dockerfile) and one Celery worker (queues default and rematch),
   both in production mode: DEBUG=0, REDIS_URL on database ``LOAD_REDIS_DB`` (default 4;
   the cache shares it, with its key prefix); waits for /healthz;
3. warms up: the worker builds its index of the results and experts by matching one
   sampled need, and each route group is requested a few times (a fresh gunicorn worker
   loads jieba on its first search);
4. runs locust headless (``-u 20 -r 5 -t LOAD_SECONDS``, default 120 s) with
   bench/load/locustfile.py, sampling the load average every 5 s;
5. writes p50/p95/p99/max, requests/s and errors per route group against the targets into
   bench/results.md (section "Load") and bench/out/load.json, then stops everything.

Targets (the issue): p95 ≤ 150 ms for lists and details, ≤ 300 ms for search,
recommendations and dashboard, zero errors. A benchmark, not a timed test.
Needs PostgreSQL (``DATABASE_URL``'s server, default postgres:postgres@127.0.0.1:5432) and
Redis (``LOAD_REDIS``, default redis://127.0.0.1:6379).
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from results_md import replace_section

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PY = sys.executable
SECTION = "## Load: 20 users on gunicorn + PostgreSQL + Redis + worker (issue 16)"
PORT = int(os.environ.get("LOAD_PORT", "8164"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "2"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "120"))
USERS = int(os.environ.get("LOAD_USERS", "20"))
TARGETS = {
    "lists": 150,
    "details": 150,
    "search": 300,
    "recommendations": 300,
    "dashboard": 300,
    "posting": None,
}
WARM = {
    "lists": ["/needs/", "/results/", "/experts/"],
    "search": [
        "/needs/?q=%E6%9D%90%E6%96%99",  # 材料
        "/results/?q=%E7%AE%97%E6%B3%95",  # 算法
        "/search/suggest/?q=%E7%94%B5%E6%B1%A0",  # 电池
    ],
}


def _env() -> dict[str, str]:
    sys.path.insert(0, str(BENCH / "load"))
    from data import database_url  # type: ignore[import-not-found]

    redis = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379").rstrip("/")
    db = os.environ.get("LOAD_REDIS_DB", "4")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"{redis}/{db}",
        "CACHE_URL": f"{redis}/{db}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "LOAD_IDS": str(OUT / "load_ids.json"),
    }


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _get(url: str, timeout: float = 30) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except OSError:
        return 0


def _wait_healthy(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _get(f"{base}/healthz", timeout=5) == 200:
            return
        time.sleep(1)
    sys.exit("gunicorn did not answer /healthz")


def _django(code: str, env: dict[str, str]) -> str:
    """Run ``code`` in a Django shell against the load database; its stdout."""
    done = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


FACTS_REBUILD = """
import time
from matching.dashboards.facts import facts_refresh
t0 = time.monotonic()
facts_refresh()
print(round(time.monotonic() - t0, 1))
"""

WARM_WORKER = """
import time
from matching.lists.tasks import document_match_task
from matching.models import DocumentTerms
pk = {pk}
before = DocumentTerms.objects.get(kind="need", object_id=pk).scored_at
t0 = time.monotonic()
document_match_task.delay("need", pk)
while time.monotonic() - t0 < 600:
    if DocumentTerms.objects.get(kind="need", object_id=pk).scored_at != before:
        break
    time.sleep(1)
print(round(time.monotonic() - t0, 1))
"""

POSTINGS = """
import json
from django.utils import timezone
from datetime import timedelta
from matching.models import DocumentTerms
from portal.models import Need
since = timezone.now() - timedelta(seconds={seconds})
new = Need.objects.filter(created_at__gte=since)
published = list(new.filter(status="published").values_list("pk", "published_at"))
scored = {{
    pk: at for pk, at in DocumentTerms.objects.filter(
        kind="need", object_id__in=[p for p, _ in published], stale=False, scored_at__isnull=False
    ).values_list("object_id", "scored_at")
}}
lags = sorted((scored[p] - at).total_seconds() for p, at in published if p in scored)
print(json.dumps({{
    "submitted": new.count(), "approved": len(published), "matched": len(scored),
    "lag_median_s": lags[len(lags) // 2] if lags else None,
    "lag_max_s": max(lags) if lags else None,
}}))
"""


def _load_data(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [PY, str(BENCH / "load" / "data.py")],
        cwd=ROOT,
        env={**env, "DEBUG": "1"},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"bench/load/data.py failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _loadavg() -> tuple[float, float, float]:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def _backend_pids(env: dict[str, str]) -> list[int]:
    import psycopg

    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    admin = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])
        return [int(pid) for (pid,) in rows.fetchall()]


class CpuTracker:
    """CPU seconds the processes of each group use from :meth:`start` on, read every
    time :meth:`sample` runs: a process seen first after the start counts whole, one that
    ends counts up to its last reading (so the figures are lower bounds, short by at most
    one sampling interval per process that ended). PostgreSQL backends come and go with
    the web workers' connections (CONN_MAX_AGE), so one reading at each end misses them."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]):
        self.groups = groups
        self.base: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {name: {} for name in groups}

    def start(self) -> None:
        self.base = {name: self._read(pids()) for name, pids in self.groups.items()}
        self.last = {name: dict(seen) for name, seen in self.base.items()}

    def sample(self) -> None:
        for name, pids in self.groups.items():
            for pid, seconds in self._read(pids()).items():
                if seconds:  # 0: it ended between listing and reading
                    self.last[name][pid] = max(seconds, self.last[name].get(pid, 0.0))

    def used(self) -> dict[str, float]:
        return {
            name: round(
                sum(at - self.base[name].get(pid, 0.0) for pid, at in self.last[name].items()), 1
            )
            for name in self.groups
        }

    @staticmethod
    def _read(pids: list[int]) -> dict[int, float]:
        return {pid: _cpu_seconds(pid) for pid in pids}


def _locust(
    base: str, env: dict[str, str], cpu: CpuTracker
) -> tuple[list[dict[str, str]], list[float]]:
    prefix = OUT / "load"
    proc = _start(
        [
            str(Path(PY).parent / "locust"),
            "-f",
            str(BENCH / "load" / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            "5",
            "-t",
            f"{SECONDS}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
        ],
        env,
        OUT / "load_locust.log",
    )
    samples: list[float] = []
    ticks = 0
    while proc.poll() is None:
        cpu.sample()
        if ticks % 5 == 0:
            samples.append(_loadavg()[0])
        ticks += 1
        time.sleep(1)
    cpu.sample()
    with (OUT / "load_stats.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f)), samples


def _exceptions() -> int:
    """Exceptions raised inside the locust users' tasks (locust counts them apart from
    failed requests: a task that raised before its request leaves no trace in the stats)."""
    path = OUT / "load_exceptions.csv"
    if not path.exists():
        return 0
    with path.open(encoding="utf-8") as f:
        return sum(int(row["Count"]) for row in csv.DictReader(f))


def _rows(stats: list[dict[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for s in stats:
        name = s["Name"]
        if name == "login":
            continue
        target = TARGETS.get(name)
        p95 = float(s["95%"])
        rows.append(
            {
                "group": "all" if name == "Aggregated" else name,
                "n": int(s["Request Count"]),
                "errors": int(s["Failure Count"]),
                "p50": float(s["50%"]),
                "p95": p95,
                "p99": float(s["99%"]),
                "max": float(s["Max Response Time"]),
                "rps": float(s["Requests/s"]),
                "target": target,
                "met": None if target is None else p95 <= target and int(s["Failure Count"]) == 0,
            }
        )
    order = [*TARGETS, "all"]
    return sorted(rows, key=lambda r: order.index(r["group"]) if r["group"] in order else 99)


def _cpu_line(result: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """CPU the stack itself used, which the load average of a shared machine does not say:
    per request it is what a dedicated machine would have to give."""
    cpu, wall = result["cpu_s"], result["wall_s"]
    total = next((r["n"] for r in rows if r["group"] == "all"), 0) or 1
    web = cpu["gunicorn"] + cpu["postgres"]
    return (
        f"CPU used during the {wall:.0f} s of the run (each process read every second): "
        f"gunicorn workers {cpu['gunicorn']} s, "
        f"PostgreSQL backends of the load database {cpu['postgres']} s, Celery worker "
        f"{cpu['celery']} s, i.e. {web / wall:.2f} of the 2 cores for the web side "
        f"({1000 * web / total:.0f} ms of CPU per request, web + database)."
    )


def _write(result: dict[str, Any]) -> None:
    data, rows, load = result["data"], result["rows"], result["loadavg"]
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in data.get("steps", {}).items())
    built = (
        "kept from an earlier run (LOAD_REUSE=1)"
        if data.get("reused")
        else f"loaded in {data['load_s']:.0f} s ({steps})"
    )
    posted = result["postings"]
    lines = [
        SECTION,
        "",
        f"`make load` (bench/load.py): {data['tag'].removeprefix('duijie load: ')} on "
        f"PostgreSQL ({data['database']}), {built}; recommendation lists computed for the "
        f"sampled needs the users open, not for all 100,000. gunicorn {WORKERS} sync workers, "
        f"DEBUG=0; one Celery worker (concurrency 1; its index warmed in "
        f"{result['worker_warm_s']} s before the run) with the beat, which rebuilds the "
        f"dashboards' facts every STATS_FACTS_SECONDS (one rebuild before the run: "
        f"{result.get('facts_rebuild_s', '?')} s); Redis. locust: {USERS} users "
        f"(visitors : enterprise : staff = 10 : 5 : 5, 1–3 s between requests), "
        f"{SECONDS} s after ramping up 5 users/s. Postings during the run: "
        f"{posted['submitted']} needs submitted through the API, {posted['approved']} approved "
        f"by staff, {posted['matched']} indexed and matched by the worker by the end"
        + (
            f" (lag from approval median {posted['lag_median_s']:.1f} s, "
            f"max {posted['lag_max_s']:.1f} s)."
            if posted["lag_max_s"] is not None
            else "."
        ),
        "",
        f"Load average (2 cores, machine shared with other jobs): {load['before'][0]:.2f} "
        f"before, {load['mean']:.2f} mean / {load['max']:.2f} max during the run "
        f"(1-minute average sampled every 5 s).",
        "",
        _cpu_line(result, rows),
        "",
        "| group | requests | errors | p50 ms | p95 ms | p99 ms | max ms | req/s | p95 target "
        "| met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        target = f"≤ {r['target']} ms" if r["target"] else "—"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(
            f"| {r['group']} | {r['n']} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} "
            f"| {r['p99']:.0f} | {r['max']:.0f} | {r['rps']:.2f} | {target} | {met} |"
        )
    misses = [r["group"] for r in rows if r["met"] is False]
    errors = sum(r["errors"] for r in rows if r["group"] == "all")
    exceptions = result.get("exceptions", 0)
    if exceptions:
        misses.append(f"{exceptions} exceptions in the users' own code")
    lines += [
        "",
        f"Targets: **{'met' if not misses else 'missed by ' + ', '.join(misses)}**; "
        f"errors: {errors}; exceptions raised in the locust users (a task that stopped "
        f"before its request, so locust counts no error): {exceptions}.",
    ]
    replace_section(SECTION, "\n".join(lines) + "\n")
    (OUT / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


def main() -> dict[str, Any]:
    OUT.mkdir(exist_ok=True)
    env = _env()
    data = _load_data(env)
    print(json.dumps(data, ensure_ascii=False), flush=True)
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    base = f"http://127.0.0.1:{PORT}"
    web = _start(
        [
            str(Path(PY).parent / "gunicorn"),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--timeout",
            "60",
            "--graceful-timeout",
            "30",
        ],
        env,
        OUT / "load_gunicorn.log",
    )
    worker = _start(
        [
            PY,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "default,rematch",
            "-c",
            "1",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            # the beat inside the worker (production runs it apart): the dashboards' facts
            # are rebuilt every STATS_FACTS_SECONDS during the run, as in production
            "--beat",
            "--schedule",
            str(OUT / "load_celerybeat-schedule"),
            "-n",
            f"load-{os.getpid()}@%h",
        ],
        env,
        OUT / "load_worker.log",
    )
    try:
        _wait_healthy(base)
        ids = json.loads((OUT / "load_ids.json").read_text(encoding="utf-8"))
        sample = (ids["needs_listed"] or ids["needs_own"])[0]
        warm_s = _django(WARM_WORKER.format(pk=sample), env)
        # a portal that has run for a while has its dashboards' facts: the beat's first
        # rebuild comes one interval after it starts
        facts_s = _django(FACTS_REBUILD, env)
        for _round in range(2 * WORKERS):
            for urls in WARM.values():
                for url in urls:
                    _get(base + url)
        before = _loadavg()
        tracker = CpuTracker(
            {
                "gunicorn": lambda: _group_pids(web.pid),
                "celery": lambda: _group_pids(worker.pid),
                "postgres": lambda: _backend_pids(env),
            }
        )
        tracker.start()
        others = subprocess.run(
            ["ps", "-eo", "pcpu,etime,args", "--sort=-pcpu"], capture_output=True, text=True
        ).stdout.splitlines()[:8]
        started = time.time()
        stats, samples = _locust(base, env, tracker)
        wall = time.time() - started
        cpu = tracker.used()
        postings = json.loads(_django(POSTINGS.format(seconds=int(time.time() - started) + 5), env))
    finally:
        _stop(worker)
        _stop(web)
    result = {
        "data": data,
        "worker_warm_s": warm_s,
        "facts_rebuild_s": facts_s,
        "rows": _rows(stats),
        "exceptions": _exceptions(),
        "postings": postings,
        "loadavg": {
            "before": before,
            "mean": sum(samples) / max(len(samples), 1),
            "max": max(samples, default=0.0),
            "samples": samples,
            "top_processes_before": others,
        },
        "workers": WORKERS,
        "cpu_s": cpu,
        "wall_s": round(wall, 1),
    }
    _write(result)
    for r in result["rows"]:
        print(json.dumps(r, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
