"""The counts the dashboards add up, as groups of (month, region, field key, flag, n):
counted from the registers on request, or summed from :class:`StatsFact` rows aggregated
ahead.

Counting a jurisdiction's postings afresh reads tens of thousands of rows of 100,000-row
registers (3–4 s for a staff dashboard not yet cached). So a beat task
(:func:`facts_refresh`, every ``STATS_FACTS_SECONDS``) writes the same counts per day,
region, field key and flag into one small table, and the dashboards sum those while the
table is fresh (rebuilt within the last three intervals); otherwise (``make run``, tests,
a beat that stopped) they count from the registers. Postings are grouped by the same
queries either way (:func:`posting_groups`), so the two cannot define a figure apart.

A field key is "" (every posting once) or a technology-field code: a posting counts under
each of its fields and each of their parent fields, once per key, so a field's key counts
exactly the postings the field filter keeps. Pairs count by their need's fields.

Only what changes constantly and in bulk is aggregated ahead: postings and suggested pairs.
Pairs past the suggestion are the brokered few and are read live (``stats.moved_pairs``),
so an approval shows at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from matching.dashboards.models import StatsFact, StatsFactsBuild
from matching.models import Match, MatchStatus
from portal.models import Expert, Need, PostingStatus, Result

logger = logging.getLogger(__name__)

POSTING_MODELS: dict[str, type[Need] | type[Result] | type[Expert]] = {
    "need": Need,
    "result": Result,
    "expert": Expert,
}
PAIR = "pair"
ALL = ""
# Facts not rebuilt for this many intervals are not read (the beat has stopped).
STALE_AFTER_INTERVALS = 3
BATCH = 5000


@dataclass(frozen=True)
class Group:
    """Postings (pairs) counted together: the first day of their month (the day itself in
    :func:`facts_refresh`), region (a pair's need's), other region (a pair's result's or
    expert's; "" for postings), field key and flag, and how many."""

    at: dt.date
    region: str
    other_region: str
    key: str
    flag: bool
    n: int


def interval() -> int:
    """Seconds between two rebuilds of the facts (0: never aggregated ahead)."""
    return int(getattr(settings, "STATS_FACTS_SECONDS", 0))


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The local date of a datetime (a date stays as it is)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# ----------------------------------------------------------------------- from the registers


def _field_links(
    links: QuerySet[Any], *, owner: str, keys: Collection[str] | None
) -> list[tuple[QuerySet[Any], str, bool]]:
    """Field links (rows of a ``fields`` through table; ``owner`` their posting's column),
    each with the key it counts under and whether a posting may repeat under it: its own
    field; its field's parent, unless the posting has the parent itself (counted already)."""
    own = links if keys is None else links.filter(techfield__code__in=keys)
    has_parent = links.model.objects.filter(
        **{owner: OuterRef(owner)}, techfield_id=OuterRef("techfield__parent_id")
    )
    parent = links.filter(techfield__parent__isnull=False).exclude(Exists(has_parent))
    if keys is not None:
        parent = parent.filter(techfield__parent__code__in=keys)
    return [(own, "techfield__code", False), (parent, "techfield__parent__code", True)]


def _groups(
    qs: QuerySet[Any],
    *,
    prefix: str,
    counted: str,
    key: str | None,
    distinct: bool,
    by_day: bool,
) -> Iterator[Group]:
    """``qs`` grouped by the local month (day) its postings were published, their region,
    whether they are published now and ``key`` (None: ""), counting distinct ``counted``."""
    trunc = TruncDate if by_day else TruncMonth
    published = ExpressionWrapper(
        Q(**{f"{prefix}status": PostingStatus.PUBLISHED}), output_field=BooleanField()
    )
    rows = (
        qs.order_by()
        .annotate(
            g_at=trunc(f"{prefix}published_at", tzinfo=timezone.get_current_timezone()),
            g_region=F(f"{prefix}region_code"),
            g_flag=published,
            g_key=F(key) if key else Value(ALL),
        )
        .values("g_at", "g_region", "g_flag", "g_key")
        .annotate(n=Count(counted, distinct=distinct))
    )
    for row in rows:
        yield Group(
            local_date(row["g_at"]), row["g_region"], "", row["g_key"], row["g_flag"], row["n"]
        )


def posting_groups(
    qs: QuerySet[Any], *, keys: Collection[str] | None, by_day: bool = False
) -> list[Group]:
    """The postings of ``qs`` (one register, published) grouped by the month (day) of
    publication, region, published-now and field key; ``keys`` limits the field keys
    (None: every key there is)."""
    kind = qs.model._meta.model_name
    groups: list[Group] = []
    if keys is None or ALL in keys:
        groups += _groups(qs, prefix="", counted="pk", key=None, distinct=False, by_day=by_day)
    through = qs.model.fields.through.objects.filter(**{f"{kind}_id__in": qs.values("pk")})
    for links, key, repeats in _field_links(through, owner=f"{kind}_id", keys=keys):
        groups += _groups(
            links,
            prefix=f"{kind}__",
            counted=f"{kind}_id",
            key=key,
            distinct=repeats,
            by_day=by_day,
        )
    return groups


def pair_counts(qs: QuerySet[Match]) -> tuple[int, int]:
    """How many pairs ``qs`` holds, and how many of them are still suggestions: one query."""
    counts = qs.order_by().aggregate(
        n=Count("pk"), suggested=Count("pk", filter=Q(status=MatchStatus.SUGGESTED))
    )
    return counts["n"] or 0, counts["suggested"] or 0


# ---------------------------------------------------------------------- aggregated ahead


def facts_fresh() -> dt.datetime | None:
    """When the facts were last rebuilt, if recently enough to be read; else None."""
    seconds = interval()
    if not seconds:
        return None
    computed_at = StatsFactsBuild.objects.values_list("computed_at", flat=True).first()
    if computed_at is None:
        return None
    if timezone.now() - computed_at > dt.timedelta(seconds=seconds * STALE_AFTER_INTERVALS):
        return None
    return computed_at


def stored_groups(
    kind: str,
    *,
    keys: Collection[str],
    date_from: dt.date,
    date_to: dt.date,
    where: Q,
    published_only: bool = False,
) -> list[Group]:
    """The stored facts of ``kind`` in the period (inclusive local dates), under ``keys``,
    matching ``where``, summed by month."""
    qs = StatsFact.objects.filter(
        where, kind=kind, field_key__in=list(keys), day__gte=date_from, day__lte=date_to
    )
    if published_only:
        qs = qs.filter(flag=True)
    rows = (
        qs.order_by()
        .annotate(g_at=TruncMonth("day"))
        .values("g_at", "region_code", "other_region_code", "field_key", "flag")
        .annotate(n=Sum("n"))
    )
    return [
        Group(
            local_date(row["g_at"]),
            row["region_code"],
            row["other_region_code"],
            row["field_key"],
            row["flag"],
            row["n"],
        )
        for row in rows
    ]


def _pair_groups() -> Iterator[Group]:
    """Every pair, by the local day it was suggested, its sides' regions, whether it is
    still a suggestion and its need's field keys (own fields and their parents)."""
    keys_of: dict[int, set[str]] = defaultdict(set)
    links = Need.fields.through.objects.values_list(
        "need_id", "techfield__code", "techfield__parent__code"
    )
    for need_id, code, parent in links.iterator(chunk_size=BATCH):
        keys_of[need_id].add(code)
        if parent:
            keys_of[need_id].add(parent)
    counts: Counter[tuple[dt.date, str, str, str, bool]] = Counter()
    pairs = Match.objects.order_by().values_list(
        "need_id",
        "created_at",
        "need__region_code",
        Coalesce("result__region_code", "expert__region_code"),
        "status",
    )
    for need_id, created_at, region, other, status in pairs.iterator(chunk_size=BATCH):
        day = local_date(created_at)
        flag = status == MatchStatus.SUGGESTED
        for key in (ALL, *keys_of.get(need_id, ())):
            counts[(day, region, other or "", key, flag)] += 1
    for (day, region, other, key, flag), n in counts.items():
        yield Group(day, region, other, key, flag, n)


def facts_refresh() -> int:
    """Rebuild every fact from the registers and the pairs, in one transaction (readers
    see the old facts until it commits); returns the number of rows written."""
    now = timezone.now()
    started = time.perf_counter()
    rows: list[StatsFact] = []
    for kind, model in POSTING_MODELS.items():
        published = model.objects.filter(published_at__isnull=False)
        for group in posting_groups(published, keys=None, by_day=True):
            rows.append(_fact(kind, group))
    rows += [_fact(PAIR, group) for group in _pair_groups()]
    with transaction.atomic():
        StatsFact.objects.all().delete()
        StatsFact.objects.bulk_create(rows, batch_size=BATCH)
        StatsFactsBuild.objects.update_or_create(
            pk=1,
            defaults={
                "computed_at": now,
                "rows": len(rows),
                "seconds": round(time.perf_counter() - started, 2),
            },
        )
    if connection.vendor == "postgresql":
        # the planner's statistics of the new rows (autovacuum would take its time)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {StatsFact._meta.db_table}")
    logger.info("stats facts rebuilt: %d rows", len(rows))
    return len(rows)


def _fact(kind: str, group: Group) -> StatsFact:
    return StatsFact(
        kind=kind,
        day=group.at,
        region_code=group.region,
        other_region_code=group.other_region,
        field_key=group.key,
        flag=group.flag,
        n=group.n,
    )
