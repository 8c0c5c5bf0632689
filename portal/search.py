"""Chinese full-text search over the registers, with the matching engine's tokeniser.

The services store in ``search_tokens`` (space-separated) first its head: the jieba tokens
of the title (twice, for ranking) and keywords and their CJK character unigrams and bigrams;
then " | ", the tokens of the text and the grams only the text has. A query term matches a
posting whose text *contains* it: a Han term is looked up as its bigrams (a single
character as itself), so 废水 finds 印染废水 and 材料 finds 复合材料 even where jieba kept
the compound whole (substring recall is 100 %); other terms (Latin, digits, mixed) as whole
tokens. Every term must match. Ranking reads the head: whole words of the title (counted
twice) and keywords, then title and keyword substrings, and postings whose title holds the
whole query, first.

PostgreSQL matches with the GIN index over ``portal_search_vector(search_tokens)`` or over
the stored head vector ``search_head`` (migration 0006), and ranks by the head alone, so a
match never has its whole vector recomputed. A list pages a search through
:class:`RankedMatches` and counts it with :func:`capped_count`, in bounded work for a word
that tens of thousands of postings contain. Other databases fall back to token matching in
SQL. Both sit behind :func:`search_queryset`. When the strict query finds nothing,
:func:`related_queryset` gives postings sharing part of it (a long term's sub-words, or a
synonym), for a separate "相关结果" list.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Length, Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Called before every cut. The recommendation lists register the installation of their
# domain dictionary here at start-up (matching.apps), so search and matching cut text alike
# without the registers importing the lists.
before_tokenize: list[Callable[[], object]] = []


def tokenize(text: str) -> list[str]:
    """The matching engine's tokeniser (pure, imported lazily: jieba loads on first use),
    with whatever :data:`before_tokenize` installs first. Used for search box queries and
    for the stored ``search_tokens``, so both are cut alike."""
    from matching.engine.text import tokenize as engine_tokenize

    for prepare in before_tokenize:
        prepare()
    return engine_tokenize(text or "")


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _fold(text: str) -> str:
    """NFKC and lower case, as the tokeniser folds a query, but nothing removed: its
    normalisation also drops whatever looks like an HTML tag, and "浓度<5%的样品中，含量>1"
    would lose the Han text between the brackets, which a containment query still finds."""
    return unicodedata.normalize("NFKC", text).lower()


def char_grams(text: str) -> list[str]:
    """The distinct unigrams and bigrams of each run of Han characters in ``text`` (folded
    by :func:`_fold`), in order of first appearance."""
    grams: dict[str, None] = {}
    for run in HAN.findall(_fold(text)):
        for i, char in enumerate(run):
            grams.setdefault(char, None)
            if i + 1 < len(run):
                grams.setdefault(run[i : i + 2], None)
    return list(grams)


# Ends the "head" of search_tokens: the title's and keywords' tokens and character grams,
# which PostgreSQL keeps as a small stored vector (search_head, migration 0006) to rank by.
# Never a token: the tokeniser drops punctuation.
HEAD_END = "|"


def search_tokens_for(*, title: str, keywords: str, body: Iterable[str]) -> str:
    """The text stored in Posting.search_tokens. First the head: the title's tokens (twice,
    a ranking boost), the keywords' tokens and the character grams of both; then
    :data:`HEAD_END`; then the body's tokens and the character grams only the body has.
    Every substring query is matched on the grams of the whole text; ranking reads the
    head alone."""
    body = list(body)
    title_tokens = tokenize(title)
    head = [*title_tokens, *title_tokens, *tokenize(keywords)]
    head_grams = char_grams(f"{title} {keywords}")
    rest: list[str] = []
    for part in body:
        rest.extend(tokenize(part))
    seen = set(head_grams)
    rest_grams = [g for g in char_grams(" ".join(body)) if g not in seen]
    return " ".join([*head, *head_grams, HEAD_END, *rest, *rest_grams])


def term_grams(term: str) -> list[str]:
    """What a query term is matched on: a Han term's bigrams (a single character: itself);
    any other term whole."""
    if not HAN.fullmatch(term):
        return [term]
    if len(term) == 1:
        return [term]
    return list(dict.fromkeys(term[i : i + 2] for i in range(len(term) - 1)))


def query_terms(query: str) -> list[str]:
    """Distinct tokens of a search box query, in order."""
    seen: dict[str, None] = {}
    for token in tokenize(query[:500]):
        seen.setdefault(token, None)
    return list(seen)[:20]


def _uses_postgres(qs: QuerySet[Any]) -> bool:
    from django.db import connections

    return connections[qs.db].vendor == "postgresql"


def _title_field(qs: QuerySet[Any]) -> str:
    names = {f.name for f in qs.model._meta.get_fields()}
    return "title" if "title" in names else "name"


TITLE_BONUS = 5.0


def _title_bonus(qs: QuerySet[Any], terms: list[str]) -> Any:
    """:data:`TITLE_BONUS` when the title holds every term (it outweighs a few whole-word
    hits in the text), else 0."""
    title = _title_field(qs)
    condition = Q()
    for term in terms:
        condition &= Q(**{f"{title}__icontains": term})
    return Case(
        When(condition, then=Value(TITLE_BONUS)), default=Value(0.0), output_field=FloatField()
    )


def _pg_query(tokens: Iterable[str], *, any_of: bool = False) -> Any:
    from django.contrib.postgres.search import SearchQuery

    query: Any = None
    for token in tokens:
        part = SearchQuery(token, config="simple", search_type="plain")
        query = part if query is None else (query | part if any_of else query & part)
    return query


def _padded(qs: QuerySet[Any]) -> QuerySet[Any]:
    padded = Concat(Value(" "), F("search_tokens"), Value(" "), output_field=TextField())
    return qs.alias(search_padded=padded)


def _occurrences(token: str) -> Any:
    needle = f" {token} "
    return Cast(
        Cast(
            Length("search_padded") - Length(Replace("search_padded", Value(needle), Value(""))),
            IntegerField(),
        )
        / Value(len(needle)),
        FloatField(),
    )


def _full_vector() -> Any:
    """The vector of the whole ``search_tokens``: portal_search_vector(search_tokens), the
    expression of its GIN index (migration 0006)."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db.models import Func

    return Func(
        F("search_tokens"), function="portal_search_vector", output_field=SearchVectorField()
    )


def _head_vector(qs: QuerySet[Any]) -> Any:
    """The stored ``search_head`` tsvector (PostgreSQL only, migration 0006): the vector of
    the head of ``search_tokens`` (title and keywords), small enough to stay in the row.
    A column of the queryset's own table, so it follows the table's alias in subqueries."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db.models.expressions import Col

    field = SearchVectorField()
    field.set_attributes_from_name("search_head")
    field.model = qs.model
    return Col(qs.query.get_initial_alias(), field)


def search_queryset(qs: QuerySet[Any], query: str) -> tuple[QuerySet[Any], list[str]]:
    """Narrow ``qs`` to postings containing every term of ``query``, best first.

    Returns the queryset (annotated with ``search_rank``) and the terms, for highlighting.
    A query without any searchable term leaves ``qs`` unchanged.
    """
    terms = query_terms(query)
    if not terms:
        return qs, []
    grams = [g for term in terms for g in term_grams(term)]
    bonus = _title_bonus(qs, terms)
    if _uses_postgres(qs):
        from django.contrib.postgres.search import SearchRank

        vector = _full_vector()
        head = _head_vector(qs)
        every = _pg_query(grams)
        # A head hit is a full hit (the head's grams are the whole text's too); asking the
        # small stored head first spares recomputing the whole vector for those rows when
        # the planner walks the primary key instead of the indexes.
        ranked = (
            qs.alias(search_vector=vector, search_head=head)
            .filter(Q(search_head=every) | Q(search_vector=every))
            .annotate(
                search_rank=SearchRank(head, _pg_query(terms, any_of=True)) * Value(4.0)
                + SearchRank(head, every)
                + bonus
            )
            .order_by("-search_rank", "-pk")
        )
        return ranked, terms
    qs = _padded(qs)
    for gram in grams:
        qs = qs.filter(search_padded__contains=f" {gram} ")
    rank: Any = bonus
    for term in terms:
        rank = rank + _occurrences(term)
    return qs.annotate(search_rank=rank).order_by("-search_rank", "-pk"), terms


# The planner's estimate is trusted to mean "more than the cap" only this far above it. Its
# estimate of a search term's matches comes from the GIN statistics: within a factor of 1.3
# for common terms over 100,000 postings (92,683 estimated for 技术, 73 % of the rows
# actually), far closer than ten times.
ESTIMATE_MARGIN = 10


def estimated_rows(qs: QuerySet[Any]) -> int:
    """The planner's estimate of how many rows ``qs`` returns (PostgreSQL: EXPLAIN, which
    reads no row; elsewhere -1, "unknown")."""
    if not _uses_postgres(qs):
        return -1
    try:
        sql, params = qs.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (an unknown choice): no SQL at all
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(qs: QuerySet[Any], cap: int) -> int:
    """How many rows ``qs`` has, counting no further than ``cap + 1`` (so a caller can say
    "more than ``cap``"): ``COUNT(*)`` over an unordered ``LIMIT``, which stops reading
    matches at the limit instead of ranking them all first.

    When PostgreSQL's planner expects :data:`ESTIMATE_MARGIN` times more rows than the cap,
    nothing is counted: a term in most postings (技术) would have the planner read the table
    row by row, rebuilding each row's vector, to count to the cap (about 250 ms over 100,000
    postings), while the answer, "more than the cap", is known."""
    if estimated_rows(qs) >= ESTIMATE_MARGIN * cap:
        return cap + 1
    return int(qs.order_by()[: cap + 1].count())


# How many of the newest title/keyword hits a list ranks (its first pages); the rest of
# the matches follow newest first. Ranking every match would read every matching row
# (23,765 for 技术 over 100,000 postings: seconds).
HEAD_CANDIDATES = 100


class RankedMatches:
    """A search's matches as a list pages them on PostgreSQL, in bounded work per page.

    First the newest :data:`HEAD_CANDIDATES` postings whose title or keywords contain every
    term (found through the stored ``search_head`` vector), best ``search_rank`` first
    (whole words in the title, then title substrings, then keywords); then every other
    match, newest first. Each match comes once. ``queryset`` is the full ranked queryset
    (for counting); a slice gives a list of its rows.
    """

    def __init__(self, queryset: QuerySet[Any], terms: list[str]) -> None:
        self.queryset = queryset
        self.terms = terms
        self._head_ids: list[int] | None = None

    def head_ids(self) -> list[int]:
        """The ranked title/keyword hits (at most :data:`HEAD_CANDIDATES`)."""
        if self._head_ids is None:
            every = _pg_query(g for term in self.terms for g in term_grams(term))
            newest = (self.queryset.filter(search_head=every).order_by("-pk").values("pk"))[
                :HEAD_CANDIDATES
            ]
            self._head_ids = list(
                self.queryset.filter(pk__in=newest)
                .order_by("-search_rank", "-pk")
                .values_list("pk", flat=True)
            )
        return self._head_ids

    def count(self) -> int:
        return int(self.queryset.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Any]:
        start = key.start or 0
        stop = key.stop if key.stop is not None else start + 1000
        head = self.head_ids()
        ids = head[start:stop]
        rows = {row.pk: row for row in self.queryset.filter(pk__in=ids)} if ids else {}
        page = [rows[pk] for pk in ids if pk in rows]
        if stop > len(head):
            rest = self.queryset.exclude(pk__in=head).order_by("-pk")
            page.extend(rest[max(0, start - len(head)) : stop - len(head)])
        return page


def ranked_matches(qs: QuerySet[Any], terms: list[str]) -> Any:
    """What a list pages for a search: :class:`RankedMatches` on PostgreSQL, where ranking
    every match is too slow for a common word; elsewhere the ranked queryset itself."""
    if not terms or not _uses_postgres(qs):
        return qs
    return RankedMatches(qs, terms)


def synonyms_of(term: str) -> list[str]:
    from matching.engine.synonyms import synonyms_of as engine_synonyms

    return engine_synonyms(term)


def related_terms(query: str) -> list[str]:
    """What a query shares with postings that do not contain all of it: the sub-words of its
    long terms (jieba's search mode) and the synonyms of its terms."""
    from matching.engine.text import load

    terms = query_terms(query)
    out: dict[str, None] = {}
    tokenizer = load()
    for term in terms:
        for sub in tokenizer.lcut_for_search(term):
            if len(sub) >= 2 and sub != term:
                out.setdefault(sub, None)
        for synonym in synonyms_of(term):
            out.setdefault(synonym, None)
    return [t for t in out if t not in terms][:20]


def related_queryset(qs: QuerySet[Any], query: str) -> tuple[QuerySet[Any], list[str]]:
    """Postings containing at least one related term of ``query`` (sub-word or synonym),
    those sharing most first; empty when the query has none."""
    related = related_terms(query)
    if not related:
        return qs.none(), []
    if _uses_postgres(qs):
        from django.contrib.postgres.search import SearchRank

        vector = _full_vector()
        matches: Any = None
        for term in related:
            part = _pg_query(term_grams(term))
            matches = part if matches is None else matches | part
        ranked = (
            qs.alias(search_vector=vector)
            .filter(search_vector=matches)
            .annotate(search_rank=SearchRank(vector, matches))
            .order_by("-search_rank", "-pk")
        )
        return ranked, related
    qs = _padded(qs)
    found = Q()
    rank: Any = Value(0.0, output_field=FloatField())
    for term in related:
        every = Q()
        for gram in term_grams(term):
            every &= Q(search_padded__contains=f" {gram} ")
        found |= every
        rank = rank + Case(When(every, then=Value(1.0)), default=Value(0.0))
    return qs.filter(found).annotate(search_rank=rank).order_by("-search_rank", "-pk"), related


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, terms: Iterable[str]) -> SafeString:
    """Escape ``text`` and wrap each matched term in <mark>; nothing else is left unescaped."""
    text = text or ""
    pattern = _term_pattern(terms)
    if pattern is None:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def snippet(text: str, terms: Iterable[str], *, width: int = 140) -> SafeString:
    """A highlighted excerpt of ``text`` around the first matched term."""
    text = " ".join((text or "").split())
    terms = list(terms)
    pattern = _term_pattern(terms)
    start = 0
    if pattern is not None:
        match = pattern.search(text)
        if match is not None:
            start = max(0, match.start() - width // 4)
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + highlight(piece, terms) + suffix)  # noqa: S308


def backend_name() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "fallback"
