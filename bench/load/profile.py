"""Where the time of one route goes on the load database: each URL requested a few times
in-process (Django's test client, the load test's users), with the wall time, the number of
queries, the slowest queries, and EXPLAIN ANALYZE of the slowest one.

``.venv/bin/python bench/load/profile.py [URL ...]`` (default: one URL of each route group;
``LOAD_DB`` as for bench/load/data.py; ``PROFILE_COLD=1`` empties the cache before each
request). A look, not a benchmark: prints, writes nothing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import IDS_FILE, database_url, setup_django

REPEAT = int(os.environ.get("PROFILE_REPEAT", "3"))
# 1: empty the cache before each request (the dashboard's figures are cached per filter)
COLD = os.environ.get("PROFILE_COLD") == "1"


def _urls() -> list[tuple[str, str]]:
    ids = json.loads(IDS_FILE.read_text(encoding="utf-8"))
    need = ids["need_range"][0] + 12345 % max(ids["need_range"][1] - ids["need_range"][0], 1)
    listed = (ids["needs_listed"] or ids["needs_own"])[0]
    return [
        ("", "/needs/"),
        ("", "/results/?region=370100&page=3"),
        ("", f"/needs/{need}/"),
        ("", "/needs/?q=%E6%9D%90%E6%96%99"),  # 材料
        ("", "/results/?q=%E7%AE%97%E6%B3%95%20%E4%BC%98%E5%8C%96"),  # 算法 优化
        ("", "/search/suggest/?q=%E7%94%B5%E6%B1%A0"),  # 电池
        ("demo_staff", f"/matching/recommendations/need/{listed}/"),
        ("demo_staff", "/matching/dashboard/"),
        ("demo_staff", "/matching/pairs/"),
    ]


def main() -> None:
    setup_django(database_url())
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    wanted = [("demo_staff", url) for url in sys.argv[1:]] or _urls()
    for username, url in wanted:
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        if username:
            client.force_login(User.objects.get(username=username))
        client.get(url)  # warm
        for _ in range(REPEAT):
            if COLD:
                cache.clear()
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                status = client.get(url).status_code
                ms = (time.perf_counter() - t0) * 1000
            db_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            print(
                f"{url} [{username or 'anonymous'}] {status}: {ms:.0f} ms, "
                f"{len(queries)} queries, {db_ms:.0f} ms in SQL",
                flush=True,
            )
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        for q in slowest:
            print(f"   {float(q['time']) * 1000:.0f} ms: {q['sql'][:300]}")
        if slowest and float(slowest[0]["time"]) > 0.02 and slowest[0]["sql"].startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0]["sql"])
                for (line,) in cursor.fetchall()[:40]:
                    print("      " + line)


if __name__ == "__main__":
    main()
