"""Security headers on every page, and no inline code for the Content-Security-Policy to block.

The policy (portal/settings.py) lets only the site's own files run and style a page: no
'unsafe-inline', no 'unsafe-eval'. So, besides the headers, two things are checked:
- every template under templates/ is free of <script> bodies, <style> elements, style= and
  on*= attributes and javascript: URLs (a new one fails here, not in a user's browser);
- every page a crawl reaches, as rendered, is free of them too (markup from Python code,
  widgets or third-party templates included; the Django admin's own pages excepted).
"""

from __future__ import annotations

import re
import runpy
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

# Who crawls, and from where. Each role follows same-site links (and hx-get targets) from
# its start pages to MAX_DEPTH, taking SAMPLES_PER_PATTERN URLs of each shape.
ROLES: dict[str, list[str]] = {
    "anonymous": [
        "/",
        "/accounts/login/",
        "/accounts/register/",
        "/api/docs/",
        "/api/docs/?script=",
        "/no-such/",
    ],
    "demo_enterprise": ["/", "/needs/mine/", "/accounts/profile/"],
    "demo_staff": ["/", "/matching/dashboard/", "/matching/statistics/", "/review/"],
    "demo_admin": ["/admin/", "/matching/rematch/"],
}
MAX_DEPTH = 2
SAMPLES_PER_PATTERN = 2
MAX_URLS_PER_ROLE = 80
# The pages a crawl must have checked, whatever links the demo data happens to offer.
REQUIRED_VIEWS = {
    "anonymous": {
        "workbench:home",
        "accounts:login",
        "accounts:register",
        "registers:need-list",
        "registers:need-detail",
        "registers:result-list",
        "registers:expert-list",
        "events:list",
        "api-docs",
    },
    "demo_enterprise": {"workbench:home", "registers:need-mine", "accounts:profile"},
    "demo_staff": {"matching:dashboard", "matching:statistics", "registers:review-queue"},
    "demo_admin": {"admin:index", "matching:rematch"},
}
# Django's admin (and the import-export pages inside it) are third-party markup with a few
# style attributes: only their headers are checked. The JSON API has no markup.
MARKUP_EXEMPT_PREFIXES = ("/admin/",)
SKIP_PREFIXES = ("/static/", "/media/", "/accounts/logout/", "/i18n/")
NUMBER = re.compile(r"/\d+(?=/|$|\.)")
UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:")
HSTS_PRODUCTION = "max-age=31536000; includeSubDomains; preload"


# --------------------------------------------------------------------------- what is checked
def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def header_problems(url: str, response: HttpResponse) -> list[str]:
    problems = []
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    for name, value in expected.items():
        if response.get(name) != value:
            problems.append(f"{url}: {name} is {response.get(name)!r}, not {value!r}")
    csp = response.get("Content-Security-Policy")
    if not csp:
        return [*problems, f"{url}: no Content-Security-Policy"]
    directives = csp_directives(csp)
    for name in ("default-src", "script-src", "style-src"):
        if directives.get(name) != ["'self'"]:
            problems.append(f"{url}: CSP {name} is {directives.get(name)}, not 'self' alone")
    for name in ("object-src", "frame-ancestors"):
        if directives.get(name) != ["'none'"]:
            problems.append(f"{url}: CSP {name} is {directives.get(name)}, not 'none'")
    for name in ("base-uri", "form-action"):
        if directives.get(name) != ["'self'"]:
            problems.append(f"{url}: CSP {name} is {directives.get(name)}, not 'self'")
    unsafe = [
        f"{name} {source}"
        for name, sources in directives.items()
        if name != "img-src"
        for source in sources
        if source in UNSAFE_SOURCES
    ]
    if unsafe:
        problems.append(f"{url}: CSP allows {unsafe}")
    return problems


class InlineCodeFinder(HTMLParser):
    """Markup the policy blocks: script bodies, style elements and attributes, on*= handlers
    and javascript: URLs. Data blocks (<script type="application/json">) run nothing."""

    DATA_SCRIPT_TYPES = ("application/json", "application/ld+json")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        line = self.getpos()[0]
        if tag == "style":
            self.found.append(f"line {line}: <style> element")
        if tag == "script" and not a.get("src") and a.get("type") not in self.DATA_SCRIPT_TYPES:
            self.found.append(f"line {line}: <script> without src")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"line {line}: style={value!r} on <{tag}>")
            elif name.startswith("on") and name.isalpha():
                self.found.append(f"line {line}: {name}= handler on <{tag}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"line {line}: javascript: URL in {name}= on <{tag}>")

    handle_startendtag = handle_starttag


def inline_code(markup: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(markup)
    finder.close()
    return finder.found


DJANGO_COMMENTS = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def template_inline_code(source: str) -> list[str]:
    """inline_code() of a template's source, its {# #} and {% comment %} parts left out
    (blanked line for line, so the reported line numbers stay right)."""
    blanked = DJANGO_COMMENTS.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    return inline_code(blanked)


# --------------------------------------------------------------------------- the templates
def served_templates() -> list[Path]:
    # E-mail templates are plain text (.txt) and never reach a browser.
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".svg"))


def test_no_template_has_inline_scripts_styles_or_handlers() -> None:
    templates = served_templates()
    found = [
        f"{path.relative_to(ROOT)} {problem}"
        for path in templates
        for problem in template_inline_code(path.read_text(encoding="utf-8"))
    ]

    assert len(templates) > 100
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<p style="color: red">x</p>', "style='color: red' on <p>"),
        ('<div class="a"{% if x %} style="width: {{ n }}%"{% endif %}>', "style="),
        ("<style>.a { color: red }</style>", "<style> element"),
        ("<script>alert(1)</script>", "<script> without src"),
        ('<button onclick="go()">', "onclick= handler"),
        ("<svg><circle onload='x()'/></svg>", "onload= handler"),
        ('<a href="javascript:void(0)">', "javascript: URL"),
    ],
)
def test_the_template_scan_catches_each_kind_of_inline_code(markup: str, expected: str) -> None:
    found = template_inline_code(markup)

    assert len(found) == 1
    assert expected in found[0]


def test_the_template_scan_lets_through_files_comments_and_data() -> None:
    markup = (
        '<script src="/static/js/site.js"></script>\n'
        '<script type="application/json" id="data">{"a": 1}</script>\n'
        "{# the old <style> block moved to site.css #}\n"
        '{% comment %}<p style="x">{% endcomment %}\n'
        '<div hx-get="/x/" hx-vals=\'{"kind": "need"}\' data-onload="1" class="pre-line">'
    )

    assert template_inline_code(markup) == []


# --------------------------------------------------------------------------- the crawl
class LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (href, fetched by htmx)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append((a["href"] or "", False))
        if a.get("hx-get"):
            self.links.append((a["hx-get"] or "", True))


def url_name(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return ""


def same_site(page: str, href: str) -> str | None:
    parts = urlsplit(urljoin(page, href.strip()))
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path or parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, starts: list[str]) -> tuple[list[str], set[str], list[str]]:
    """(URLs fetched, view names answered, problems found)."""
    queue = deque((url, False, 0) for url in starts)
    seen: set[str] = set()
    samples: dict[str, int] = {}
    fetched: list[str] = []
    views: set[str] = set()
    problems: list[str] = []
    while queue and len(fetched) < MAX_URLS_PER_ROLE:
        url, htmx, depth = queue.popleft()
        shape = NUMBER.sub("/#", url.partition("?")[0])
        if url in seen or (depth and samples.get(shape, 0) >= SAMPLES_PER_PATTERN):
            continue
        seen.add(url)
        samples[shape] = samples.get(shape, 0) + 1
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        fetched.append(url)
        if response.status_code == 200:
            views.add(url_name(url))
        # Every answer carries the headers: redirects, 403/404 pages, JSON and files too.
        problems += header_problems(url, response)
        if response.status_code in (301, 302) and depth < MAX_DEPTH:
            location = same_site(url, response["Location"])
            if location:
                queue.append((location, htmx, depth + 1))
            continue
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        if not url.startswith(MARKUP_EXEMPT_PREFIXES):
            problems += [f"{url}: {problem}" for problem in inline_code(html)]
        if depth >= MAX_DEPTH or url.startswith(MARKUP_EXEMPT_PREFIXES):
            continue
        finder = LinkFinder()
        finder.feed(html)
        for href, by_htmx in finder.links:
            target = same_site(url, href)
            if target and target not in seen:
                queue.append((target, by_htmx, depth + 1))
    return fetched, views, problems


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_user_reaches_sends_the_security_headers_and_no_inline_code(
    demo_data: None,
    db: None,
    stats_cached: None,
    role: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A page that fails with a 500 is tests/test_link_crawl.py's business; here its error
    # page is one more response that must carry the headers.
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(User.objects.get(username=role))

    fetched, views, problems = crawl(client, ROLES[role])

    with capsys.disabled():
        print(f"\n{role}: {len(fetched)} responses checked, {len(views)} views")
    assert problems == [], "\n".join(problems)
    assert REQUIRED_VIEWS[role] <= views, REQUIRED_VIEWS[role] - views


# --------------------------------------------------------------------------- production mode
@pytest.fixture
def production_security(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The security settings portal/settings.py makes of a production environment, applied
    to this process (the rest of the test settings stay: SQLite, plain static files)."""
    for name, value in {
        "DEBUG": "0",
        "SECRET_KEY": "p" * 20 + "-production-like-secret-key-for-tests-" + "q" * 20,
        "ALLOWED_HOSTS": "testserver",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SECURE_HSTS_SECONDS", raising=False)
    production = runpy.run_path(str(ROOT / "portal" / "settings.py"), run_name="production")
    applied = {
        name: value
        for name, value in production.items()
        if name.startswith(("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_"))
        or name in ("MIDDLEWARE", "CONTENT_SECURITY_POLICY", "X_FRAME_OPTIONS")
    }
    for name, value in applied.items():
        setattr(settings, name, value)
    return applied


def test_production_pages_are_https_only_with_hsts(
    production_security: dict[str, object], staff_client: Client
) -> None:
    anonymous = Client()

    for client, url in [
        (anonymous, "/"),
        (anonymous, "/accounts/login/"),
        (anonymous, "/needs/"),
        (anonymous, "/no-such/"),
        (staff_client, "/matching/dashboard/"),
    ]:
        response = client.get(url, secure=True)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert response["Strict-Transport-Security"] == HSTS_PRODUCTION, url
        assert header_problems(url, response) == []

    plain = anonymous.get("/needs/?q=x")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/needs/?q=x"


def test_production_cookies_are_secure_and_the_session_one_is_http_only(
    production_security: dict[str, object], alice: User
) -> None:
    client = Client(enforce_csrf_checks=False)
    client.get("/accounts/login/", secure=True)
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pass-word-123"}, secure=True
    )

    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True
    assert client.cookies["csrftoken"]["secure"] is True
