"""Search over 100,000 postings on PostgreSQL (issue 15): latency and substring recall.

Loads 100,000 published needs into a scratch PostgreSQL database (the benchmark's dev-split
texts tiled with new ids, ``search_tokens`` built exactly as the portal builds them), then
runs queries of three kinds through :func:`portal.search.search_queryset` the way the needs
list does (the count, then the first page of 20):

- words: 2–4 character Han substrings cut from random titles (what users type);
- keywords: a random author keyword of a random document;
- pairs: two such words at once.

For each kind it reports p50 / p95 milliseconds, and the recall against a plain containment
query (``ILIKE`` over title, keywords and description, every term) on a sample of queries.
Target: p95 < 50 ms; recall 100 %.

Needs ``DATABASE_URL`` pointing at a PostgreSQL server whose user may create databases (the
scratch database ``<name>_search_bench`` is dropped and re-created). Writes its table into
bench/results.md (section "Search") and bench/out/search.json. Run by ``make bench`` when
DATABASE_URL is set; alone: ``DATABASE_URL=postgres://... .venv/bin/python bench/search.py``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from results_md import bench_dir, replace_section

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTION = "## Search over 100,000 postings (issue 15)"
N_DOCS = int(os.environ.get("SEARCH_BENCH_DOCS", "100000"))
QUERIES = 200
RECALL_SAMPLE = 40
PAGE = 20


def _scratch_database() -> str:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/search.py needs DATABASE_URL pointing at PostgreSQL")
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'duijie'}_search_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def corpus_posting(doc: dict[str, str], n: int) -> tuple[str, str, str]:
    """A benchmark text as a posting: (title, body, keywords). The first sentence is the
    title, the rest the body, the discipline the keywords (bench/load/data.py tiles the
    registers of the load test with it too)."""
    title, _, body = doc["text"].partition("。")
    title = title[:100] or f"需求{n}"
    body = body[:2000] or title
    return title, body, doc.get("discipline", "")


def _load(corpus: list[dict[str, str]]) -> float:
    from django.utils import timezone

    from matching.engine import text
    from portal.models import Need, PostingStatus
    from portal.search import search_tokens_for

    text.load()
    now = timezone.now()
    t0 = time.perf_counter()
    batch: list[Need] = []
    made: dict[int, tuple[str, str, str, str]] = {}
    for i in range(N_DOCS):
        n = i % len(corpus)
        if n not in made:  # the corpus is tiled: cut each text once
            title, body, keywords = corpus_posting(corpus[n], n)
            tokens = search_tokens_for(title=title, keywords=keywords, body=[body])
            made[n] = (title, body, keywords, tokens)
        title, body, keywords, tokens = made[n]
        batch.append(
            Need(
                title=title,
                description=body,
                keywords=keywords,
                region_code="370100",
                status=PostingStatus.PUBLISHED,
                published_at=now,
                search_tokens=tokens,
            )
        )
        if len(batch) == 2000:
            Need.objects.bulk_create(batch)
            batch = []
    if batch:
        Need.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE portal_need")
    return time.perf_counter() - t0


def _sizes() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('portal_need')), "
            "pg_size_pretty(pg_total_relation_size('portal_need'))"
        )
        table, total = cursor.fetchone()
    return {"table": table, "total": total}


def _queries(rng: random.Random) -> dict[str, list[str]]:
    from portal.models import Need
    from portal.search import HAN

    sample = list(Need.objects.order_by("?").values_list("title", "keywords")[:2000])
    words: list[str] = []
    keywords: list[str] = []
    for title, kw in sample:
        runs = [r for r in HAN.findall(title) if len(r) >= 2]
        if runs:
            run = rng.choice(runs)
            size = min(len(run), rng.randint(2, 4))
            start = rng.randrange(0, len(run) - size + 1)
            words.append(run[start : start + size])
        parts = [k for k in kw.split("，") if k.strip()]
        if parts:
            keywords.append(rng.choice(parts))
    pairs = [f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=False)]
    return {"words": words[:QUERIES], "keywords": keywords[:QUERIES], "pairs": pairs[:QUERIES]}


def _timed(query: str) -> tuple[float, int]:
    """The needs list's work for one query: its capped count and its first page."""
    from portal.models import Need
    from portal.search import capped_count, ranked_matches, search_queryset
    from portal.views.postings import COUNT_CAP

    t0 = time.perf_counter()
    found, terms = search_queryset(Need.objects.filter(status="published"), query)
    count = capped_count(found, COUNT_CAP)
    page = ranked_matches(found, terms)[:PAGE]
    [(row.pk, row.title) for row in page]
    return (time.perf_counter() - t0) * 1000, count


def _recall(query: str) -> tuple[int, int]:
    from django.db.models import Q

    from portal.models import Need
    from portal.search import query_terms, search_queryset

    expected = Need.objects.all()
    for term in query_terms(query):
        expected = expected.filter(
            Q(title__icontains=term) | Q(keywords__icontains=term) | Q(description__icontains=term)
        )
    want = set(expected.values_list("pk", flat=True))
    found, _terms = search_queryset(Need.objects.all(), query)
    got = set(found.values_list("pk", flat=True))
    return len(want & got), len(want)


def _write(rows: list[dict[str, object]], load_s: float, sizes: dict[str, str]) -> None:
    from portal.views.postings import COUNT_CAP as CAP

    built = f"built in {load_s:.0f} s" if load_s == load_s else "loaded by an earlier run"
    met = all(float(str(r["p95"])) <= 50 for r in rows)
    full = all(r["recall"] == 1.0 for r in rows)
    lines = [
        SECTION,
        "",
        f"{N_DOCS:,} published needs on PostgreSQL, {built}; portal_need {sizes['table']} "
        f"(with TOAST and indexes: {sizes['total']}). Each query is the "
        f"needs list's work: its count, capped at {CAP:,} (the list then says 超过 {CAP:,} "
        f"条), and its first page of {PAGE}: the newest title/keyword hits (found and ranked "
        f"through the stored `search_head` vector), then the other matches newest first. "
        f"Matching: GIN over `portal_search_vector(search_tokens)` or over `search_head`. "
        f"Recall: postings the full search queryset finds / postings a plain containment "
        f"query (ILIKE on title, keywords, description, every term) finds, over "
        f"{RECALL_SAMPLE} queries of each kind.",
        "",
        "| queries | n | p50 ms | p95 ms | max ms | mean hits (capped) | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} "
            f"| {r['hits']:.0f} | {r['recall']:.2%} |"
        )
    recall = "100 % on every kind" if full else "below 100 % on at least one kind"
    lines += ["", f"Target p95 ≤ 50 ms: **{'met' if met else 'not met'}**; recall {recall}."]
    section = "\n".join(lines) + "\n"
    replace_section(SECTION, section)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))


def main() -> list[dict[str, object]]:
    bench = bench_dir()
    sys.path.insert(0, str(bench))
    import eval as bench_eval  # type: ignore[import-not-found]

    _queries_unused, corpus = bench_eval.load_task(str(bench / "data"), "dev", "need2result")
    if os.environ.get("SEARCH_BENCH_REUSE"):
        # Time the queries again on the scratch database of the last run (after a change
        # that does not touch the stored rows), without the minutes of loading.
        url = os.environ["DATABASE_URL"]
        parts = urlsplit(url)
        _setup(urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/')}_search_bench")))
        load_s = float("nan")
    else:
        _setup(_scratch_database())
        load_s = _load(corpus)
    rng = random.Random(15)
    rows: list[dict[str, object]] = []
    for kind, queries in _queries(rng).items():
        for q in queries[:5]:
            _timed(q)  # warm the cache and the tokeniser
        timings, hits = [], []
        for q in queries:
            ms, count = _timed(q)
            timings.append(ms)
            hits.append(count)
        found = wanted = 0
        for q in queries[:RECALL_SAMPLE]:
            f, w = _recall(q)
            found, wanted = found + f, wanted + w
        timings.sort()
        rows.append(
            {
                "kind": kind,
                "n": len(timings),
                "p50": statistics.median(timings),
                "p95": timings[int(0.95 * (len(timings) - 1))],
                "max": timings[-1],
                "hits": statistics.mean(hits),
                "recall": found / wanted if wanted else 1.0,
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    _write(rows, load_s, _sizes())
    return rows


if __name__ == "__main__":
    main()
