"""Stored and reflected XSS: markup typed into any text field is shown as text, everywhere.

The demo data is seeded once for the module, then every free-text field users can fill (each
CharField/TextField without choices of the project's models, codes, e-mails, phones and
machine-written fields left out) is overwritten with one of PAYLOADS, rotating over the rows
so that each field carries every payload on some row and each row carries different payloads
in its fields. Each role then crawls the site (as tests/test_link_crawl.py does, smaller),
submitting every GET form with a payload in its text boxes (the search box, list filters), and
each HTML page or htmx fragment is parsed with html.parser: no element, attribute or
``javascript:`` URL may come from a payload, and no template syntax may have been evaluated.
JSON answers must say they are JSON. The spreadsheet exports must neutralise formulae and the
iCalendar agenda must keep one VEVENT per meeting.
"""

from __future__ import annotations

import io
import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from typing import Any
from urllib.parse import urlencode

import openpyxl
import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client

from accounts.models import Notification, User
from portal.spreadsheets import FORMULA_STARTS
from tests.test_link_crawl import SKIP_URL_NAMES, pattern_of, same_site_url, url_name

# Each fits the shortest field filled (50 characters). MARK appears in all but the template
# and formula ones, so that a page showing a payload can be told from one that does not.
PAYLOADS: list[str] = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(2)>",
    "</textarea><b id=xss3>x</b>",
    "x' onmouseover='alert(4)' data-x='",
    "javascript:alert(5)",
    '<a href="javascript:alert(6)">x</a>',
    "</script><script>alert(7)</script>",
    "{{ 31337|add:1 }}{% now 'Y' %}",
    '=HYPERLINK("http://x.invalid","y")',
    "@SUM(1+1)",
    "+1+1",
    "-1+1",
    "\t=1+1",
]
# What a page shows where template syntax was evaluated instead of printed.
TEMPLATE_EVALUATED = "31338"

APP_LABELS = {"accounts", "portal", "matching", "events", "challenges", "dispatch"}
# Text the code writes or parses, not free text a user types.
NOT_FREE_TEXT = {
    "password",
    "phone",
    "contact_phone",
    "credit_code",
    "region_code",
    "parent_code",
    "code",
    "content_hash",
    "generation",
    "scope",
    "mime_type",
    "event_key",
    "url",
    "solver_status",
    "unserved_reason",
    "unplaced_reason",
    "hostname",
    "error",
    # a path on this site, written by the code (reverse()) when an event or award moves a pair
    "source_url",
}
# Reference tables are loaded from files shipped with the code; the heartbeat is a worker's.
NOT_USER_MODELS = {
    "portal.TechField",
    "portal.Region",
    "portal.CooperationMode",
    "portal.MaturityLevel",
    "portal.IPType",
    "portal.WorkerHeartbeat",
}

ROLES: dict[str, list[str]] = {
    "anonymous": ["/", "/needs/", "/results/", "/experts/", "/events/", "/challenges/"],
    "demo_enterprise": ["/", "/needs/mine/", "/accounts/profile/", "/accounts/notifications/"],
    # the expert's pages are the researcher's with /experts/mine/: reached from other roles
    "demo_researcher": ["/", "/results/mine/", "/experts/mine/", "/accounts/notifications/"],
    "demo_staff": ["/", "/review/", "/matching/dashboard/", "/matching/pairs/", "/dispatch/"],
    "demo_admin": ["/", "/admin/", "/matching/statistics/"],
    "demo_reviewer": ["/", "/challenges/"],
}
MAX_DEPTH = 3
SAMPLES_PER_PATTERN = 2
MAX_URLS_PER_ROLE = 100
# Fetched and checked, never followed: Django's admin (its change lists would use the whole
# budget) and the JSON API.
LEAF_PREFIXES = ("/admin/", "/api/")
API_HTML_PAGES = {"api-docs", "api-redoc"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "data", "poster"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:")
SCRIPT_DATA_TYPES = {"application/json", "application/ld+json"}
CONTROL = re.compile(r"[\x00-\x20]+")


# --------------------------------------------------------------------------- the payloads
def free_text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, models.EmailField)
        and not f.choices
        and f.editable
        and f.name not in NOT_FREE_TEXT
    ]


def poison_all_text() -> int:
    """Write PAYLOADS into every free-text field; return the number of fields filled."""
    filled = 0
    for model in apps.get_models():
        if model._meta.app_label not in APP_LABELS or model._meta.label in NOT_USER_MODELS:
            continue
        fields = free_text_fields(model)
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        if not fields or not pks:
            continue
        filled += len(fields)
        for group in range(len(PAYLOADS)):
            values = {
                f.attname: PAYLOADS[(group + j) % len(PAYLOADS)][: f.max_length]
                for j, f in enumerate(fields)
            }
            model._default_manager.filter(pk__in=pks[group :: len(PAYLOADS)]).update(**values)
    return filled


@pytest.fixture(scope="module")
def poisoned_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """seed_demo, then payloads in every free-text field; rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        users = {name: User.objects.get(username=name).pk for name in ROLES if name != "anonymous"}
        fields = poison_all_text()
        yield {"fields": fields, **users}
        transaction.set_rollback(True)


# --------------------------------------------------------------------------- the checks
def _url_value(value: str) -> str:
    return CONTROL.sub("", value).lower()


class InjectionFinder(HTMLParser):
    """Collects what a payload would have added to a page had it not been escaped, and the
    page's links and GET forms for the crawl."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.links: list[tuple[str, str]] = []  # (url, "get" or "htmx")
        self.forms: list[tuple[str | None, list[tuple[str, str, bool]]]] = []
        self._in_script = False
        self._in_form_get = False
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        for name, value in a.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and _url_value(value).startswith(SCRIPT_SCHEMES):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not a.get("src") and a.get("type") not in SCRIPT_DATA_TYPES:
            self.found.append(f"<script {a}> (inline)")
        if a.get("id", "").startswith("xss") or (tag == "img" and a.get("src") == "x"):
            self.found.append(f"<{tag} {a}>")
        if "data-x" in a:
            self.found.append(f"<{tag} data-x> (attribute breakout)")
        self._in_script = tag == "script"
        self._collect(tag, a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        if tag == "select" and self._select is not None and self.forms:
            self.forms[-1][1].append((self._select, self._select_value or "", False))
            self._select = None
        if tag == "form":
            self._in_form_get = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"script body {data[:60]!r}")
        if TEMPLATE_EVALUATED in data:
            self.found.append(f"template syntax evaluated: {data.strip()[:60]!r}")

    def _collect(self, tag: str, a: dict[str, str]) -> None:
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], "get"))
        if a.get("hx-get"):
            self.links.append((a["hx-get"], "htmx"))
        if tag == "form":
            self._in_form_get = (a.get("method") or "get").lower() == "get"
            if self._in_form_get:
                self.forms.append((a.get("action"), []))
            return
        if not self._in_form_get:
            return
        name, kind = a.get("name"), a.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "file", "hidden"):
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.forms[-1][1].append((name, a.get("value", ""), False))
            else:
                self.forms[-1][1].append((name, a.get("value", ""), kind in ("text", "search")))
        elif tag == "input" and name and kind == "hidden":
            self.forms[-1][1].append((name, a.get("value", ""), False))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif (
            tag == "option"
            and self._select is not None
            and (self._select_value is None or "selected" in a)
        ):
            self._select_value = a.get("value", "")


# Besides the link crawl's: each notification leads to another page, found from its lists.
SKIPPED = SKIP_URL_NAMES | {"accounts:notification-open"}


def same_site(page: str, href: str) -> str | None:
    return same_site_url(page, href, SKIPPED)


@dataclass
class Crawl:
    role: str
    findings: list[str] = field(default_factory=list)
    pages: int = 0
    fetched: int = 0
    forms_with_payloads: int = 0
    pages_showing_payloads: int = 0


def check_response(url: str, response: Any, result: Crawl) -> InjectionFinder | None:
    content_type = response.get("Content-Type", "")
    if response.streaming or response.status_code != 200:
        return None
    if url.startswith("/api/") and url_name(url) not in API_HTML_PAGES:
        if not content_type.startswith(("application/json", "application/vnd.oai.openapi")):
            result.findings.append(f"{result.role}: {url} answers {content_type}, not JSON")
        return None
    if not content_type.startswith("text/html"):
        return None
    html = response.content.decode()
    finder = InjectionFinder()
    finder.feed(html)
    result.pages += 1
    if "alert(" in html:
        result.pages_showing_payloads += 1
    result.findings += [f"{result.role}: {url}: {what}" for what in finder.found]
    return finder


def crawl(client: Client, role: str, starts: list[str]) -> Crawl:
    result = Crawl(role)
    queue: deque[tuple[str, str, str, int]] = deque((u, "get", "(start)", 0) for u in starts)
    seen: set[tuple[str, str]] = set()
    samples: dict[tuple[str, str], int] = {}
    payload_turn = 0
    while queue and result.fetched < MAX_URLS_PER_ROLE:
        url, how, source, depth = queue.popleft()
        if (url, how) in seen:
            continue
        seen.add((url, how))
        shape = (pattern_of(source), pattern_of(url))
        if samples.get(shape, 0) >= SAMPLES_PER_PATTERN:
            continue
        samples[shape] = samples.get(shape, 0) + 1
        headers = {"HX-Request": "true"} if how == "htmx" else {}
        response = client.get(url, headers=headers)
        result.fetched += 1
        if response.status_code >= 500:
            result.findings.append(f"{role}: {url} answered {response.status_code}")
        finder = check_response(url, response, result)
        if finder is None or depth >= MAX_DEPTH or url.startswith(LEAF_PREFIXES):
            continue
        for href, kind in finder.links:
            found = same_site(url, href)
            if found:
                queue.append((found, kind, url, depth + 1))
        for action, fields in finder.forms:
            target = same_site(url, action or url)
            if target is None:
                continue
            values = []
            for name, value, is_text in fields:
                if is_text:
                    value = PAYLOADS[payload_turn % len(PAYLOADS)]
                    payload_turn += 1
                values.append((name, value))
            if any(is_text for _n, _v, is_text in fields):
                result.forms_with_payloads += 1
            query = urlencode(values)
            # The search box with a payload comes first: it is what reflects input.
            queue.appendleft((f"{target.partition('?')[0]}?{query}", "get", url, depth + 1))
    return result


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("role", list(ROLES))
def test_payloads_in_every_text_field_are_shown_escaped_on_every_page(
    poisoned_demo: dict[str, int], db: None, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(User.objects.get(pk=poisoned_demo[role]))
    started = time.monotonic()

    result = crawl(client, role, ROLES[role])

    with capsys.disabled():
        print(
            f"\n{role}: {len(PAYLOADS)} payloads in {poisoned_demo['fields']} fields, "
            f"{result.fetched} URLs fetched, {result.pages} pages parsed "
            f"({result.pages_showing_payloads} showing a payload), "
            f"{result.forms_with_payloads} GET forms sent with payloads, "
            f"{time.monotonic() - started:.1f} s"
        )
    assert result.findings == [], "\n".join(result.findings)
    # The check can fail only if payloads reach the pages: most pages parsed show one.
    assert result.pages >= 10
    assert result.pages_showing_payloads >= result.pages // 3


def test_the_parser_finds_each_payload_when_it_is_not_escaped() -> None:
    """The checks above would see each markup payload printed raw (the test can fail)."""
    for payload in PAYLOADS:
        page = f'<div title="{payload}">{payload}</div><textarea>{payload}</textarea>'
        page += f"<a href='{payload}'>x</a><script>var x = '{payload}';</script>"
        finder = InjectionFinder()
        finder.feed(page)
        if payload.startswith(("{{", "=", "@", "+", "-", "\t")):
            continue  # not markup: the template and spreadsheet checks cover these
        assert finder.found, payload
    evaluated = InjectionFinder()
    evaluated.feed(f"<p>{TEMPLATE_EVALUATED}2026</p>")
    assert evaluated.found


@pytest.mark.parametrize(
    "url",
    [
        "/needs/export/",
        "/results/export/",
        "/experts/export/",
        "/matching/dashboard/export/{table}.xlsx",
        "/dispatch/{round}/ledger.xlsx",
    ],
)
def test_spreadsheet_exports_neutralise_formulae(
    poisoned_demo: dict[str, int], db: None, url: str
) -> None:
    from portal.dispatch.models import Round

    client = Client()
    client.force_login(User.objects.get(pk=poisoned_demo["demo_staff"]))
    if "{table}" in url:
        page = client.get("/matching/dashboard/").content.decode()
        tables = re.findall(r"/matching/dashboard/export/([\w-]+)\.xlsx", page)
        assert tables
        urls = [url.format(table=t) for t in sorted(set(tables))]
    elif "{round}" in url:
        client.force_login(User.objects.get(pk=poisoned_demo["demo_admin"]))
        urls = [url.format(round=r) for r in Round.objects.values_list("pk", flat=True)]
    else:
        urls = [url]

    formulae, texts = [], 0
    for export in urls:
        response = client.get(export)
        assert response.status_code == 200, export
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or (
                        isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)
                    ):
                        formulae.append(f"{export} {sheet.title}!{cell.coordinate}: {cell.value!r}")
                    elif isinstance(cell.value, str) and cell.value.startswith("'"):
                        texts += 1

    assert formulae == []
    if "{table}" not in url:  # the dashboard's tables are counts, with few texts
        assert texts > 0  # payloads reached the export, quoted


def test_the_agenda_calendar_keeps_one_event_per_meeting(
    poisoned_demo: dict[str, int], db: None
) -> None:
    from icalendar import Calendar

    from portal.events import selectors
    from portal.events.models import Meeting, MeetingRequest, Registration

    meeting = Meeting.objects.select_related("request__requester").first()
    assert meeting is not None
    registration: Registration = meeting.request.requester
    # A line break in a message must not start a calendar property or a second event.
    MeetingRequest.objects.filter(pk=meeting.request_id).update(
        message="x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:<script>alert(1)</script>"
    )
    client = Client()
    client.force_login(User.objects.get(pk=poisoned_demo["demo_admin"]))

    response = client.get(f"/events/{registration.event_id}/agenda/{registration.pk}/ics/")

    assert response.status_code == 200
    meetings = len(list(selectors.agenda_for(registration=registration)))
    lines = response.content.decode().splitlines()
    assert lines.count("BEGIN:VEVENT") == meetings
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == meetings
    assert not any(line.startswith("SUMMARY:<script>") for line in lines)


def test_notification_emails_are_plain_text_with_one_line_subjects(
    poisoned_demo: dict[str, int], db: None
) -> None:
    from accounts.notifications import notification_email_send, notify_from_template
    from matching.models import Match

    match = Match.objects.select_related("need").first()
    assert match is not None
    user = User.objects.get(pk=poisoned_demo["demo_enterprise"])
    User.objects.filter(pk=user.pk).update(email="demo@example.cn")
    user.refresh_from_db()
    type(match.need).objects.filter(pk=match.need_id).update(title="a\r\nBcc: x@example.com<b>")
    match.need.refresh_from_db()
    mail.outbox.clear()

    notice = notify_from_template(
        user=user,
        event_key="xss-check",
        template="match-approved",
        context={"match": match, "side": "need", "offer": PAYLOADS[0]},
    )
    assert notice is not None
    notification_email_send(notification_id=notice.pk)

    sent = mail.outbox[-1]
    assert "\n" not in sent.subject
    assert "\r" not in sent.subject
    assert sent.extra_headers == {}
    assert sent.bcc == []
    assert getattr(sent, "alternatives", []) == []  # no HTML part to inject into
    assert PAYLOADS[0] in sent.body  # shown as the user typed it, not as &lt;script&gt;
    assert Notification.objects.filter(pk=notice.pk, subject__contains="\n").count() == 0


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("accounts.Organization", "website"),
        ("accounts.Alliance", "website"),
        ("events.Venue", "online_url"),
    ],
)
@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>", "vbscript:x"]
)
def test_links_users_give_must_be_web_addresses(model: str, field: str, url: str) -> None:
    """The pages print these as href: only http(s)/ftp addresses may be saved (every form and
    service runs full_clean)."""
    from django.core.exceptions import ValidationError

    instance = apps.get_model(model)(**{field: url})

    with pytest.raises(ValidationError) as caught:
        instance.clean_fields()

    assert field in caught.value.message_dict
