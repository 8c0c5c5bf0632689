"""SQL meta characters in the search box, the list filters and the API filters are plain text.

Every GET form of every page without a path parameter (found by walking the URL
configuration and parsing the pages, as staff and as the admin) and every query parameter
the API schema documents is sent each of META: the answer is the page or a 400 with a Chinese
message, never a 500 or an error page. Searches with meta characters added to a word never
find more than the word alone, and ``%`` or ``_`` alone match only rows that contain them.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db.models import Q
from django.test import Client

from accounts.models import Organization, User
from tests.routes import all_routes

META: list[str] = [
    "'",
    '"',
    ";",
    "--",
    "%",
    "_",
    "\\",
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    '" OR ""="',
    "1; DROP TABLE accounts_user; --",
    "%' AND '%'='",
    "*",
    "[",
    "ab" * 1500,  # 3,000 characters
]
# Parameters that are not free text (dates, codes, numbers, choices) get these few: they are
# parsed or looked up, never matched with LIKE, so a 500 would show with any of them.
META_SHORT: list[str] = ["' OR 1=1 --", "a\x00b", "%_\\"]
TEXT_PARAMETERS = {"q", "title", "name", "search", "keyword", "need"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SKIP_PREFIXES = ("api/", "admin/", "i18n/", "static/", "media/", "accounts/logout")
# Staff see every list page the other roles see (and the dashboards besides).
WHO = ("demo_staff",)


def strings_for(name: str) -> list[str]:
    return META if name in TEXT_PARAMETERS else META_SHORT


def page_routes() -> list[str]:
    return sorted(
        "/" + route
        for route in all_routes()
        if "<" not in route and not route.startswith(SKIP_PREFIXES) and "^" not in route
    )


class GetForms(HTMLParser):
    """The fields (names) a GET form of the page sends, per action."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: dict[str, set[str]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            get = (a.get("method") or "get").lower() == "get"
            self._action = urlsplit(a.get("action") or self.page).path if get else None
            if self._action is not None:
                self.forms.setdefault(self._action, set())
        elif (
            tag in ("input", "select", "textarea")
            and self._action is not None
            and a.get("name")
            and a.get("type") not in ("submit", "button")
        ):
            self.forms[self._action].add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


def failure(what: str, response: Any) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{what}: {status}"
    if status == 400:
        body = response.content.decode()
        if not CHINESE.search(body):
            return f"{what}: 400 without a Chinese message"
        return None
    if status == 404 and "page=" in what:
        # DRF answers a page number that is not one with 404 ("无效页面。")
        return None if CHINESE.search(response.content.decode()) else f"{what}: 404 in English"
    if status not in (200, 204, 302):
        return f"{what}: {status}"
    return None


def test_meta_characters_in_page_filters_answer_the_page_or_a_clear_400(
    demo_data: None, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    failures: list[str] = []
    tried = 0
    seen: set[str] = set()
    for who in WHO:
        forms: dict[str, set[str]] = {}
        client = Client()
        client.force_login(User.objects.get(username=who))
        for route in page_routes():
            response = client.get(route)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith(
                "text/html"
            ):
                continue
            parser = GetForms(route)
            parser.feed(response.content.decode())
            for action, names in parser.forms.items():
                forms.setdefault(action, set()).update(names)
        for action, names in sorted(forms.items()):
            seen.add(action)
            queries = [{name: meta} for name in sorted(names & TEXT_PARAMETERS) for meta in META]
            # The other fields are parsed, not matched: all of them at once, per string.
            others = sorted(names - TEXT_PARAMETERS)
            queries += [dict.fromkeys(others, meta) for meta in META_SHORT if others]
            for query in queries:
                response = client.get(action, query)
                tried += 1
                problem = failure(f"{who} {action}?{query!r:.80}", response)
                if problem:
                    failures.append(problem)
    with capsys.disabled():
        print(
            f"\npages: {len(seen)} GET forms, {len(META)} strings per text field, "
            f"{tried} requests, {time.monotonic() - started:.1f} s"
        )
    assert failures == [], "\n".join(failures)
    assert {"/needs/", "/results/", "/experts/"} <= seen


def api_list_parameters() -> dict[str, list[str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if names:
            found[path] = names
    return found


def test_meta_characters_in_api_filters_answer_results_or_a_clear_400(
    demo_data: None, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    parameters = api_list_parameters()
    failures: list[str] = []
    tried = 0
    for who in ("demo_staff",):
        client = Client()
        client.force_login(User.objects.get(username=who))
        for path, names in parameters.items():
            for name in names:
                for meta in strings_for(name):
                    response = client.get(path, {name: meta})
                    tried += 1
                    what = f"{who} {path}?{name}={meta!r:.30}"
                    problem = failure(what, response)
                    if problem:
                        failures.append(problem)
                    elif not response.get("Content-Type", "").startswith("application/json"):
                        failures.append(f"{what}: not JSON")
    with capsys.disabled():
        print(
            f"\napi: {len(parameters)} lists, {sum(map(len, parameters.values()))} parameters, "
            f"{len(META)} strings, {tried} requests, {time.monotonic() - started:.1f} s"
        )
    assert failures == [], "\n".join(failures)
    assert {"/api/needs/", "/api/organizations/"} <= set(parameters)


def api_count(client: Client, path: str, **query: str) -> int:
    response = client.get(path, query)
    assert response.status_code == 200, (path, query, response.content[:200])
    return int(response.json()["count"])


@pytest.mark.parametrize(
    ("path", "word"),
    [
        ("/api/needs/", "材料"),
        ("/api/results/", "材料"),
        ("/api/experts/", "材料"),
        ("/api/organizations/", "大学"),
    ],
)
def test_meta_characters_never_widen_a_search(
    demo_data: None, db: None, path: str, word: str
) -> None:
    client = Client()
    client.force_login(User.objects.get(username="demo_staff"))
    plain = api_count(client, path, q=word)
    everything = api_count(client, path)
    assert 0 < plain < everything  # the word narrows the list, so widening would show

    for meta in ("%", "_", "' OR 1=1 --", "%' OR '1'='1", "\\", "*", "--", ";"):
        assert api_count(client, path, q=word + meta) <= plain, meta
        assert api_count(client, path, q=meta + word) <= plain, meta


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "__", "\\"])
def test_a_like_wildcard_finds_only_names_that_contain_it(
    demo_data: None, db: None, wildcard: str
) -> None:
    client = Client()
    client.force_login(User.objects.get(username="demo_staff"))
    shown = client.get("/api/organizations/").json()["results"][0]["id"]
    Organization.objects.filter(pk=shown).update(name="百分之百%%__\\有限公司")

    found = api_count(client, "/api/organizations/", q=wildcard)

    assert found == 1  # the one name that has it, not every name (LIKE '%%%')


def test_a_search_of_meta_characters_alone_is_no_search(demo_data: None, db: None) -> None:
    """A query with no searchable term leaves the list as it is (portal.search): the full list
    it then shows is the unfiltered one, not the effect of a wildcard. A query whose term is
    the character itself finds at most the postings containing it."""
    from portal.models import Need

    client = Client()
    client.force_login(User.objects.get(username="demo_staff"))
    everything = api_count(client, "/api/needs/")

    for meta in ("%", "_", "' --", ";", "\\"):
        literal = Need.objects.filter(
            Q(title__contains=meta) | Q(description__contains=meta) | Q(keywords__contains=meta)
        ).count()
        found = api_count(client, "/api/needs/", q=meta)
        assert found == everything or found <= literal, meta


@pytest.mark.parametrize("path", ["/api/organizations/", "/experts/", "/api/matches/"])
def test_a_nul_character_in_the_query_is_a_clear_400(alice: User, path: str) -> None:
    """PostgreSQL cannot store or compare NUL: these filters answered 500 there."""
    client = Client()
    client.force_login(alice)

    response = client.get(path, {"q": "a\x00b", "status": "\x00"})

    assert response.status_code == 400
    assert CHINESE.search(response.content.decode())
