"""The data of the load test (issue 16): a PostgreSQL database with 100,000 published needs,
100,000 published results and 10,000 published experts across organisations and regions,
their search text, the matching engine's index over all of them, recommendation lists for
a sample of needs, the demo logins and some pairs.

- The demo (``seed_demo``): organisations, the six demo logins (demo_enterprise,
  demo_staff with jurisdiction 济南市, demo_admin, ...), demo postings, pairs, events.
- Needs and results: the shared benchmark's dev-split texts (need2result corpus, 3,895
  abstracts of Chinese papers) tiled with new ids, cut into title / body / keywords by
  bench/search.py's :func:`corpus_posting`; experts: the need2expert corpus (449
  profiles) tiled, with generated names. ``search_tokens`` exactly as the services write
  it (:func:`portal.search.search_tokens_for`; ``search_head`` is a generated column).
  A fifth of the postings are in 济南市 (the staff login's jurisdiction), the rest in 15
  other cities; 300 organisations own them.
- The engine's index: a :class:`DocumentTerms` row per posting, with the term statistics
  the services compute (each distinct text cut once), then a new epoch per register, so
  every process (the worker) builds its index over all 210,000 documents.
- Lists: computing every need's lists would take hours on two cores, so only the sample
  the load users open (``LOAD_LISTS``, default 400 needs: every 250th, all in 济南市, a
  quarter owned by demo_enterprise's company) gets its lists, through the production path
  (:func:`matching.lists.services.recommend_for`), which also puts them in the lists of
  the results and experts they score best with.
- Pairs: demo_staff approves the best result of ``LOAD_PAIRS`` sampled needs (default 80)
  through :func:`matching.pairs.services.match_approve`.

``LOAD_REUSE=1`` keeps a database loaded before with the same sizes (the sizes are stored in
the database's comment at the end of a complete load). Writes the ids the locust users open
to bench/out/load_ids.json (or ``LOAD_IDS``). Database: ``LOAD_DB`` (default duijie_load)
on the server of ``DATABASE_URL`` (default postgres://postgres:postgres@127.0.0.1:5432/).
Alone: ``.venv/bin/python bench/load/data.py``; bench/load.py runs it.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import zlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

from results_md import bench_dir  # noqa: E402
from search import corpus_posting  # noqa: E402

N_NEEDS = int(os.environ.get("LOAD_NEEDS", "100000"))
N_RESULTS = int(os.environ.get("LOAD_RESULTS", "100000"))
N_EXPERTS = int(os.environ.get("LOAD_EXPERTS", "10000"))
N_LISTS = int(os.environ.get("LOAD_LISTS", "400"))
N_PAIRS = int(os.environ.get("LOAD_PAIRS", "80"))
N_ORGS = 300
BATCH = 2000
IDS_FILE = Path(os.environ.get("LOAD_IDS") or BENCH / "out" / "load_ids.json")

# 济南市 (demo_staff's jurisdiction) takes a fifth; the rest spread over other cities.
HOME = "370100"
CITIES = [
    "370200", "370300", "370600", "370700", "150100", "230100", "110000", "310000",
    "320100", "330100", "440100", "440300", "420100", "510100", "610100",
]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红海峰晓燕文斌宇辉鹏飞"
ORG_WORDS = "华科创新材智能源环保生物精密数控海洋绿色先进信息电子化工装备农业医药"
INSTITUTES = "大学", "理工大学", "科技大学", "农业大学", "研究院", "研究所"


def database_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres:postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    name = os.environ.get("LOAD_DB", "duijie_load")
    return urlunsplit(parts._replace(scheme="postgres", path=f"/{name}"))


def sizes_tag() -> str:
    return (
        f"duijie load: needs={N_NEEDS} results={N_RESULTS} experts={N_EXPERTS} "
        f"lists={N_LISTS} pairs={N_PAIRS}"
    )


def _admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))


def loaded(url: str) -> bool:
    """Is the database there, completely loaded with these sizes?"""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    return row is not None and row[0] == sizes_tag()


def _recreate(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _mark_loaded(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{sizes_tag()}'")


def setup_django(url: str) -> None:
    """Django on the load database, tasks in-process (no broker while loading)."""
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _stable(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _organizations(rng: random.Random) -> dict[str, list[Any]]:
    from django.utils import timezone

    from accounts.models import Organization
    from portal.demo import demo_credit_code

    made: dict[str, list[Any]] = {"enterprise": [], "research": []}
    rows = []
    for i in range(N_ORGS):
        region = HOME if i % 5 == 0 else CITIES[i % len(CITIES)]
        words = "".join(rng.sample(ORG_WORDS, 4))
        if i % 3 == 2:
            kind, name = "university", f"{words}{rng.choice(INSTITUTES)}{i}"
        else:
            kind, name = "enterprise", f"{words}科技有限公司{i}"
        rows.append(
            Organization(
                name=name,
                org_type=kind,
                region_code=region,
                credit_code=demo_credit_code(10000 + i, "91" if kind == "enterprise" else "12"),
                is_verified=True,
                verified_at=timezone.now(),
                contact_name="联系人",
                contact_phone=f"1370000{i:04d}",
            )
        )
    for org in Organization.objects.bulk_create(rows, batch_size=BATCH):
        made["enterprise" if org.org_type == "enterprise" else "research"].append(org)
    return made


class Texts:
    """Each distinct text cut once: its search text and its term statistics."""

    def __init__(self) -> None:
        from matching.lists import dictionary

        self.dictionary = dictionary.ensure_domain_dictionary()
        self.cache: dict[tuple[str, int], dict[str, Any]] = {}

    def cut(
        self,
        key: tuple[str, int],
        *,
        title: str,
        keywords: str,
        field: str,
        body: list[str],
        engine_title: str,
        engine_body: str,
    ) -> dict[str, Any]:
        """``title``/``keywords``/``body`` as the posting services pass them to
        :func:`search_tokens_for`; ``engine_title``/``engine_body`` as
        :func:`matching.lists.documents.document_text` gives them to the engine."""
        if key not in self.cache:
            from matching.lists import engine_api as adapter
            from matching.lists.documents import DocumentText
            from portal.models import Need
            from portal.search import search_tokens_for

            text = DocumentText(engine_title, Need(keywords=keywords).keyword_list, engine_body)
            stats = adapter.analyze(title=text.title, keywords=text.keywords, body=text.body)
            self.cache[key] = {
                "tokens": search_tokens_for(title=title, keywords=f"{keywords} {field}", body=body),
                "terms": adapter.stats_to_json(stats),
                "token_count": adapter.token_count(stats),
                "hash": text.digest(self.dictionary),
            }
        return self.cache[key]


def _facts(**values: Any) -> dict[str, Any]:
    from matching.lists import engine_api as adapter

    return adapter.facts_to_json(adapter.Facts(**values))


def _bulk(
    model: Any, rows: list[Any], fields_of: list[Any], terms: list[dict[str, Any]], kind: str
) -> list[int]:
    """Insert postings, their technical field and their index rows; returns their ids."""
    from matching.models import DocumentTerms

    made = model.objects.bulk_create(rows)
    through = model.fields.through
    column = f"{model._meta.model_name}_id"
    pairs = zip(made, fields_of, strict=True)
    through.objects.bulk_create([through(**{column: p.pk, "techfield_id": f.pk}) for p, f in pairs])
    DocumentTerms.objects.bulk_create(
        [
            DocumentTerms(
                kind=kind,
                object_id=p.pk,
                terms=t["terms"],
                facts=t["facts"],
                token_count=t["token_count"],
                content_hash=t["hash"],
                is_active=True,
                stale=False,
                version=0,
            )
            for p, t in zip(made, terms, strict=True)
        ]
    )
    return [p.pk for p in made]


def _registers(orgs: dict[str, list[Any]], qilu: Any, rng: random.Random) -> dict[str, Any]:
    from django.utils import timezone

    from portal.models import Expert, MaturityLevel, Need, PostingStatus, Result, TechField
    from portal.search import search_tokens_for

    bench = bench_dir()
    sys.path.insert(0, str(bench))
    import eval as bench_eval  # type: ignore[import-not-found]

    _q, papers = bench_eval.load_task(str(bench / "data"), "dev", "need2result")
    _q, profiles = bench_eval.load_task(str(bench / "data"), "dev", "need2expert")
    fields = list(TechField.objects.filter(parent__isnull=False).order_by("code"))
    maturities = list(MaturityLevel.objects.order_by("rank"))
    texts = Texts()
    now = timezone.now()
    every = max(N_NEEDS // max(N_LISTS, 1), 1)
    sample: list[int] = []  # positions of the needs that get their lists
    ids: dict[str, list[int]] = {"need": [], "result": [], "expert": []}

    def field_for(discipline: str) -> Any:
        return fields[_stable(discipline) % len(fields)]

    def place(i: int) -> tuple[str, Any, Any]:
        orgs_of = orgs["enterprise"]
        org = orgs_of[rng.randrange(len(orgs_of))]
        region = HOME if rng.random() < 0.2 else org.region_code
        return region, org, now - timedelta(days=rng.randrange(0, 150), minutes=i % 1440)

    t0 = time.perf_counter()
    rows: list[Any] = []
    fields_of: list[Any] = []
    terms: list[dict[str, Any]] = []
    for i in range(N_NEEDS):
        n = i % len(papers)
        title, body, keywords = corpus_posting(papers[n], n)
        field = field_for(keywords)
        cut = texts.cut(
            ("paper", n),
            title=title,
            keywords=keywords,
            field=field.name,
            body=[body],
            engine_title=title,
            engine_body=body,
        )
        region, org, published = place(i)
        if i % every == 0 and len(sample) < N_LISTS:
            sample.append(i)
            region = HOME
            if len(sample) % 4 == 0:
                org = qilu
        maturity = maturities[_stable(title) % len(maturities)]
        budget = Decimal(10 * (1 + _stable(body) % 50))
        rows.append(
            Need(
                title=title,
                description=body,
                keywords=keywords,
                region_code=region,
                organization=org,
                status=PostingStatus.PUBLISHED,
                published_at=published,
                last_confirmed_at=now,
                expected_maturity=maturity,
                budget_max=budget,
                contact_name="联系人",
                search_tokens=cut["tokens"],
            )
        )
        fields_of.append(field)
        facts = _facts(
            fields=(field.code,),
            region=region,
            cooperation=(),
            maturity=float(maturity.rank),
            budget=float(budget),
        )
        terms.append({**cut, "facts": facts})
        if len(rows) == BATCH:
            ids["need"] += _bulk(Need, rows, fields_of, terms, "need")
            rows, fields_of, terms = [], [], []
    if rows:
        ids["need"] += _bulk(Need, rows, fields_of, terms, "need")
    print(f"needs: {N_NEEDS:,} in {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    rows, fields_of, terms = [], [], []
    research = orgs["research"]
    for i in range(N_RESULTS):
        # the same texts, shifted, so a result is not the twin of the need with its number
        n = (i + 7) % len(papers)
        title, body, keywords = corpus_posting(papers[n], n)
        field = field_for(keywords)
        org = research[rng.randrange(len(research))]
        # a result's search text and terms come out as a need's of the same text (its
        # team and institution are empty): the same cut serves both
        cut = texts.cut(
            ("paper", n),
            title=title,
            keywords=keywords,
            field=field.name,
            body=[body, "", ""],
            engine_title=title,
            engine_body=body,
        )
        maturity = maturities[_stable(body) % len(maturities)]
        price = Decimal(5 * (1 + _stable(title) % 80))
        region = HOME if rng.random() < 0.2 else org.region_code
        rows.append(
            Result(
                title=title,
                summary=body,
                keywords=keywords,
                region_code=region,
                organization=org,
                status=PostingStatus.PUBLISHED,
                published_at=now - timedelta(days=rng.randrange(0, 150), minutes=i % 1440),
                last_confirmed_at=now,
                maturity=maturity,
                asking_price=price,
                contact_name="联系人",
                search_tokens=cut["tokens"],
            )
        )
        fields_of.append(field)
        facts = _facts(
            fields=(field.code,),
            region=region,
            cooperation=(),
            maturity=float(maturity.rank),
            price=float(price),
        )
        terms.append({**cut, "facts": facts})
        if len(rows) == BATCH:
            ids["result"] += _bulk(Result, rows, fields_of, terms, "result")
            rows, fields_of, terms = [], [], []
    if rows:
        ids["result"] += _bulk(Result, rows, fields_of, terms, "result")
    print(f"results: {N_RESULTS:,} in {time.perf_counter() - t0:.0f} s", flush=True)

    t0 = time.perf_counter()
    rows, fields_of, terms = [], [], []
    titles = [value for value, _label in Expert.Title.choices]
    for i in range(N_EXPERTS):
        n = i % len(profiles)
        doc = profiles[n]
        bio, _sep, works = doc["text"].partition("代表成果：")
        keywords = doc.get("discipline", "")
        field = field_for(keywords)
        org = research[rng.randrange(len(research))]
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        bio, works = bio.strip(), works.strip()
        # the engine's terms once per profile text; the search text per expert (its name
        # and institution differ between the copies)
        cut = texts.cut(
            ("expert", n),
            title="",
            keywords=keywords,
            field=field.name,
            body=[bio, works],
            engine_title="",
            engine_body="\n".join(p for p in (bio, works) if p),
        )
        region = HOME if rng.random() < 0.2 else org.region_code
        rows.append(
            Expert(
                name=name,
                title=titles[i % len(titles)],
                institution_name=org.name,
                biography=bio,
                representative_results=works,
                keywords=keywords,
                region_code=region,
                organization=org,
                status=PostingStatus.PUBLISHED,
                published_at=now - timedelta(days=rng.randrange(0, 150), minutes=i % 1440),
                last_confirmed_at=now,
                contact_name=name,
                search_tokens=search_tokens_for(
                    title=name, keywords=f"{keywords} {field.name}", body=[org.name, bio, works]
                ),
            )
        )
        fields_of.append(field)
        facts = _facts(fields=(field.code,), region=region, cooperation=(), capacity=1.0)
        terms.append({**cut, "facts": facts})
        if len(rows) == BATCH:
            ids["expert"] += _bulk(Expert, rows, fields_of, terms, "expert")
            rows, fields_of, terms = [], [], []
    if rows:
        ids["expert"] += _bulk(Expert, rows, fields_of, terms, "expert")
    print(f"experts: {N_EXPERTS:,} in {time.perf_counter() - t0:.0f} s", flush=True)
    return {"sample": [ids["need"][i] for i in sample]}


def _index_and_lists(sample: list[int]) -> dict[str, float]:
    from django.db import connection

    from matching.lists import documents, index_cache, services

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("portal_need", "portal_result", "portal_expert", "matching_documentterms"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum analyze"] = time.perf_counter() - t0
    for kind in documents.KINDS:
        documents.epoch_advance(kind=kind)
    t0 = time.perf_counter()
    for kind in ("result", "expert"):
        index_cache.index_for(kind=kind)
    timings["index build (results + experts, this process)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for pk in sample:
        services.recommend_for(kind="need", pk=pk)
    timings[f"lists of {len(sample)} needs"] = time.perf_counter() - t0
    return timings


def _pairs(sample: list[int]) -> int:
    from accounts.models import User
    from matching.models import Match, MatchStatus
    from matching.pairs.services import match_approve

    staff = User.objects.get(username="demo_staff")
    approved = 0
    for need_pk in sample[: N_PAIRS * 2]:
        match = (
            Match.objects.filter(
                need_id=need_pk, status=MatchStatus.SUGGESTED, result__isnull=False
            )
            .order_by("-score")
            .first()
        )
        if match is None:
            continue
        match_approve(match_id=match.pk, user=staff, note="负载测试")
        approved += 1
        if approved >= N_PAIRS:
            break
    return approved


def write_ids() -> dict[str, Any]:
    """What the locust users open, from the database: the sampled needs with lists (those
    demo_staff may open, and those demo_enterprise owns), the id ranges of the loaded
    postings (all published), the pairs demo_staff may open, and search words cut from
    titles as bench/search.py cuts them."""
    from accounts.models import Organization, User
    from matching.models import Recommendation
    from matching.pairs.selectors import match_list_visible_to
    from portal.models import Expert, Need, PostingStatus, Result
    from portal.search import HAN

    rng = random.Random(16)
    staff = User.objects.get(username="demo_staff")
    listed = Recommendation.objects.filter(owner_kind="need").values("owner_id")
    visible = Need.objects.filter(
        pk__in=listed, status=PostingStatus.PUBLISHED, region_code=HOME
    ).order_by("pk")
    qilu = Organization.objects.get(name="山东齐鲁新材料科技有限公司")
    own = set(visible.filter(organization=qilu).values_list("pk", flat=True))
    # the organisations this loader made (the demo's names end in no digit)
    first_org = Organization.objects.filter(name__regex=r"[0-9]$").order_by("pk").first()

    def span(model: Any) -> list[int]:
        loaded = model.objects.filter(organization_id__gte=first_org.pk if first_org else 0)
        first = loaded.order_by("pk").values_list("pk", flat=True).first() or 0
        last = loaded.order_by("-pk").values_list("pk", flat=True).first() or 0
        return [first, last]

    words: list[str] = []
    titles = list(Need.objects.order_by("?").values_list("title", flat=True)[:600])
    for title in titles:
        runs = [r for r in HAN.findall(title) if len(r) >= 2]
        if runs:
            run = rng.choice(runs)
            size = min(len(run), rng.randint(2, 4))
            start = rng.randrange(0, len(run) - size + 1)
            words.append(run[start : start + size])
    pairs = match_list_visible_to(user=staff).exclude(status="suggested").order_by("pk")
    data = {
        "needs_listed": [pk for pk in visible.values_list("pk", flat=True) if pk not in own],
        "needs_own": sorted(own),
        "need_range": span(Need),
        "result_range": span(Result),
        "expert_range": span(Expert),
        "pairs": list(pairs.values_list("pk", flat=True)),
        "words": words[:300],
    }
    IDS_FILE.parent.mkdir(exist_ok=True)
    IDS_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=0))
    return data


def main() -> dict[str, Any]:
    """Load (or reuse) the database; returns what was done and how long it took."""
    url = database_url()
    report: dict[str, Any] = {"database": urlsplit(url).path.lstrip("/"), "tag": sizes_tag()}
    if os.environ.get("LOAD_REUSE") and loaded(url):
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a new index, say, since the load
        report["reused"] = True
        report["ids"] = {k: len(v) for k, v in write_ids().items()}
        print(json.dumps(report, ensure_ascii=False), flush=True)
        return report
    started = time.perf_counter()
    _recreate(url)
    setup_django(url)
    from django.core.management import call_command

    from accounts.models import Organization

    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    steps["migrate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    call_command("seed_demo", verbosity=0)
    steps["seed_demo"] = time.perf_counter() - t0
    rng = random.Random(16)
    t0 = time.perf_counter()
    orgs = _organizations(rng)
    qilu = Organization.objects.get(name="山东齐鲁新材料科技有限公司")
    made = _registers(orgs, qilu, rng)
    steps["postings, search text, index rows"] = time.perf_counter() - t0
    steps.update(_index_and_lists(made["sample"]))
    t0 = time.perf_counter()
    report["pairs approved"] = _pairs(made["sample"])
    from django.db import connection

    with connection.cursor() as cursor:
        # the pairs and lists were written after the registers' ANALYZE: without fresh
        # statistics the pair list's count joined whole registers (340 ms, 140 ms after)
        for table in ("matching_match", "matching_recommendation", "matching_matchtransition"):
            cursor.execute(f"ANALYZE {table}")
    steps["pairs"] = time.perf_counter() - t0
    report["steps"] = {k: round(v, 1) for k, v in steps.items()}
    report["load_s"] = round(time.perf_counter() - started, 1)
    report["ids"] = {k: len(v) for k, v in write_ids().items()}
    _mark_loaded(url)
    report["reused"] = False
    print(json.dumps(report, ensure_ascii=False), flush=True)
    return report


if __name__ == "__main__":
    main()
