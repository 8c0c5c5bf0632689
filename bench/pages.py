"""Page and publication times on the embedded default (what `make run` serves), issue 10.

A fresh SQLite database with the demo data; for each demo role every page its link crawl
reaches from the home page (tests/test_link_crawl.py's crawler) is requested warm (the best
of three, after a first request) with the Django test client; then demo_enterprise creates
and submits a need through the API and demo_staff approves it (the approval publishes it and,
with Celery eager, computes its lists in the same request), and the need's recommendations
are read on the next request.

Writes a section into bench/results.md and bench/out/pages.json.
Run by ``make bench``; alone: ``.venv/bin/python bench/pages.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from results_md import replace_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Pages and publication on the embedded default (issue 10)"
ROLES = {
    "demo_enterprise": ["/accounts/profile/"],
    "demo_researcher": ["/accounts/profile/"],
    "demo_expert": ["/accounts/profile/"],
    "demo_staff": ["/matching/dashboard/"],
    "demo_admin": ["/matching/dashboard/"],
}


def _setup() -> None:
    folder = tempfile.mkdtemp(prefix="duijie-pages-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/pages.sqlite3"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _warm(client: object, url: str, headers: dict[str, str]) -> float:
    client.get(url, headers=headers)  # type: ignore[attr-defined]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        client.get(url, headers=headers)  # type: ignore[attr-defined]
        best = min(best, time.perf_counter() - t0)
    return best


def pages() -> dict[str, object]:
    from django.test import Client

    from accounts.models import User
    from tests.test_link_crawl import crawl

    timings: list[tuple[float, str, str]] = []
    for username, starts in ROLES.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        seen = set()
        for visit in crawl(client, username, starts).visits:
            url = visit.link.url
            if visit.status != 200 or url in seen or url.startswith(("/admin/", "/api/")):
                continue
            seen.add(url)
            headers = {"HX-Request": "true"} if visit.link.method == "htmx" else {}
            timings.append((_warm(client, url, headers), username, url))
    timings.sort(reverse=True)
    values = [t for t, _u, _p in timings]
    return {
        "pages": len(values),
        "median_ms": round(1000 * statistics.median(values), 1),
        "p95_ms": round(1000 * values[int(0.05 * len(values))], 1),
        "max_ms": round(1000 * values[0], 1),
        "over_500_ms": sum(v > 0.5 for v in values),
        "slowest": [(round(1000 * t, 1), u, p) for t, u, p in timings[:5]],
    }


def publication() -> dict[str, float]:
    from django.test import Client

    from accounts.models import User
    from portal.models import TechField

    field = TechField.objects.filter(parent__isnull=False).order_by("code").first()
    owner, staff = Client(), Client()
    owner.force_login(User.objects.get(username="demo_enterprise"))
    staff.force_login(User.objects.get(username="demo_staff"))
    times: dict[str, list[float]] = {"create": [], "approve": [], "recommendations": []}
    for i in range(5):
        t0 = time.perf_counter()
        created = owner.post(
            "/api/needs/",
            {
                "title": f"锂电池极片涂布厚度在线检测{i}",
                "description": "涂布厚度波动导致电芯一致性差，需要在线检测与闭环控制技术。",
                "keywords": "锂电池,涂布,在线检测",
                "fields": [field.code],
                "region_code": "370100",
                "submit": True,
            },
            content_type="application/json",
        )
        times["create"].append(time.perf_counter() - t0)
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        t0 = time.perf_counter()
        approved = staff.post(f"/api/needs/{pk}/approve/", content_type="application/json")
        times["approve"].append(time.perf_counter() - t0)
        assert approved.status_code == 200, approved.content
        t0 = time.perf_counter()
        listed = staff.get(f"/api/needs/{pk}/recommendations/")
        times["recommendations"].append(time.perf_counter() - t0)
        assert listed.status_code == 200, listed.content
        assert listed.json(), "no recommendations on the next read"
    return {k: round(1000 * statistics.median(v), 1) for k, v in times.items()}


def main() -> None:
    _setup()
    out = {"pages": pages(), "publication_ms": publication()}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "pages.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False)
    )
    p, pub = out["pages"], out["publication_ms"]
    slowest = "; ".join(f"{u} {path} {ms} ms" for ms, u, path in p["slowest"])  # type: ignore[union-attr]
    table = "\n".join(
        [
            SECTION,
            "",
            "SQLite, Celery eager, demo data (60 needs, 100 results, 50 experts); Django test "
            "client in one process; warm = best of three after a first request.",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| pages reached by the five demo roles' link crawls | {p['pages']} | |",
            f"| warm page time, median / p95 / max | {p['median_ms']} / {p['p95_ms']} / "
            f"{p['max_ms']} ms | max ≤ 500 ms |",
            f"| pages over 500 ms | {p['over_500_ms']} | 0 |",
            f"| create + submit a need (API), median | {pub['create']} ms | |",
            f"| staff approve = publish + compute its lists (API), median | {pub['approve']} ms "
            "| < 500 ms |",
            f"| its recommendations on the next request, median | {pub['recommendations']} ms | |",
            "",
            f"Slowest pages: {slowest}.",
            "",
        ]
    )
    replace_section(SECTION, table)
    print(table)


if __name__ == "__main__":
    main()
