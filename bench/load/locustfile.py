"""Locust users of the load test (issue 16): anonymous visitors, demo_enterprise and
demo_staff browsing the registers at once, while the enterprise posts needs that staff
approve (so the Celery worker indexes and matches them during the run).

Requests are named by route group, so locust's statistics are per group: lists, details,
search, recommendations, dashboard, posting (and login, done once per user at start).
The ids come from bench/out/load_ids.json (written by bench/load/data.py): the needs with
recommendation lists, those demo_enterprise owns, the id ranges, pairs, search words.

gunicorn runs with DEBUG=0 as in production, behind what would be a TLS proxy: every
request says ``X-Forwarded-Proto: https`` and the Referer a browser would send, and the
session's secure cookies are sent back over the loopback's plain HTTP.
Run by bench/load.py (``make load``); alone:
``locust -f bench/load/locustfile.py --host http://127.0.0.1:8016 --headless -u 20 -r 5 -t 60s``.
"""

from __future__ import annotations

import collections
import json
import os
import random
from pathlib import Path

from gevent.lock import Semaphore
from locust import HttpUser, between, task

IDS = json.loads(
    Path(
        os.environ.get("LOAD_IDS", Path(__file__).resolve().parent.parent / "out/load_ids.json")
    ).read_text(encoding="utf-8")
)
PASSWORD = os.environ.get("DEMO_PASSWORD", "duijie-demo")
REGIONS = ["370100", "370200", "330100", "440300", "110000"]
FIELDS = ["0101", "0102", "0201", "0401", "0601", "0701"]
TOP_FIELDS = ["01", "02", "03", "04", "05", "06", "07", "08"]
# needs demo_enterprise submitted, for demo_staff to approve (one locust process: shared)
SUBMITTED: collections.deque[int] = collections.deque()
WORDS = IDS["words"] or ["材料"]
# username -> (cookies, API token) of its one sign-in
SESSIONS: dict[str, tuple[list[tuple[str, str, str, str]], str]] = {}
LOGIN_LOCK = Semaphore()


def _word() -> str:
    return random.choice(WORDS)


def _in(span: list[int]) -> int:
    return random.randint(span[0], span[1])


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers.update({"X-Forwarded-Proto": "https"})

    def _cookies(self) -> None:
        """Send the secure session and CSRF cookies back over the loopback's plain HTTP (a
        TLS proxy stands in front of gunicorn in production)."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, url: str, group: str) -> None:
        self._cookies()
        with self.client.get(
            url, name=group, headers={"Referer": self._origin() + "/"}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {url}")

    def _api_headers(self) -> dict[str, str]:
        """What the site's own scripts send with an API write: the session is signed in, so
        DRF's session authentication answers first and wants the CSRF token and an HTTPS
        Referer of this origin (the API token alone is refused with 403 then)."""
        self._cookies()
        return {
            "Authorization": f"Token {self.token}",
            "X-CSRFToken": self.client.cookies.get("csrftoken") or "",
            "Referer": self._origin() + "/",
        }

    def _origin(self) -> str:
        host = (self.host or "").split("://", 1)[-1]
        return f"https://{host}"

    def login(self, username: str) -> None:
        """Sign in once per account and share the session among the users of that role
        (one account open in several browsers): a password check costs PBKDF2's
        iterations, and twenty at the start would hold both gunicorn workers for seconds."""
        with LOGIN_LOCK:
            if username not in SESSIONS:
                SESSIONS[username] = self._sign_in(username)
        cookies, self.token = SESSIONS[username]
        for name, value, domain, path in cookies:
            # the same domain and path as the server set them: a second cookie of the same
            # name (say csrftoken, once the server sends it again) would replace it, not sit
            # beside it (requests then refuses to read either)
            self.client.cookies.set(name, value, domain=domain, path=path)

    def _sign_in(self, username: str) -> tuple[list[tuple[str, str, str, str]], str]:
        self.client.get("/accounts/login/", name="login")
        self._cookies()
        csrf = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={"Referer": self._origin() + "/accounts/login/"},
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {username}: {response.status_code}")
        with self.client.post(
            "/api/auth/token/",
            json={"username": username, "password": PASSWORD},
            name="login",
            catch_response=True,
        ) as response:
            token = response.json().get("token", "") if response.status_code == 200 else ""
            if not token:
                response.failure(f"token of {username}: {response.status_code}")
        self._cookies()
        return [(c.name, c.value or "", c.domain, c.path) for c in self.client.cookies], token

    # ------------------------------------------------------------------ what everyone does

    @task(6)
    def register_list(self) -> None:
        prefix = random.choice(["needs", "results", "experts"])
        params = random.choice(
            [
                "",
                f"?page={random.randint(2, 50)}",
                f"?region={random.choice(REGIONS)}",
                f"?field={random.choice(FIELDS)}",
                f"?region={random.choice(REGIONS)}&page={random.randint(2, 10)}",
            ]
        )
        self.get(f"/{prefix}/{params}", "lists")

    @task(6)
    def detail(self) -> None:
        kind, span = random.choice(
            [
                ("needs", IDS["need_range"]),
                ("results", IDS["result_range"]),
                ("experts", IDS["expert_range"]),
            ]
        )
        self.get(f"/{kind}/{_in(span)}/", "details")

    @task(3)
    def search(self) -> None:
        prefix = random.choice(["needs", "results", "experts"])
        query = _word() if random.random() < 0.7 else f"{_word()} {_word()}"
        if random.random() < 0.25:
            self.get(f"/search/suggest/?q={query}", "search")
        else:
            self.get(f"/{prefix}/?q={query}", "search")


class Visitor(Portal):
    """Anonymous: lists, details, search."""

    weight = 10


class Enterprise(Portal):
    """demo_enterprise: browses, opens its needs' recommendations, and now and then posts a
    need (through the API, submitted for review)."""

    weight = 5

    def on_start(self) -> None:
        super().on_start()
        self.login("demo_enterprise")

    @task(3)
    def recommendations(self) -> None:
        own = IDS["needs_own"]
        if own:
            self.get(f"/matching/recommendations/need/{random.choice(own)}/", "recommendations")

    # 1 in 19 of an enterprise user's tasks: about one posting every 10 s from five users
    @task(1)
    def post_need(self) -> None:
        word = _word()
        payload = {
            "title": f"{word}技术需求{random.randint(1, 10**6)}",
            "description": f"我公司在{word}方面遇到技术难题，希望与高校和科研院所合作，"
            f"开展{_word()}和{_word()}的联合攻关，提升产品性能并降低成本。",
            "keywords": f"{word}，{_word()}",
            "region_code": "370100",
            "fields": [random.choice(FIELDS)],
            "submit": True,
        }
        with self.client.post(
            "/api/needs/",
            json=payload,
            headers=self._api_headers(),
            name="posting",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"post need: {response.status_code} {response.text[:200]}")
                return
            SUBMITTED.append(int(response.json()["id"]))


class Staff(Portal):
    """demo_staff (济南市): the dashboard, the pair pipeline, recommendations of the needs
    in the jurisdiction, pair pages, and approving what the enterprise submitted."""

    weight = 5

    def on_start(self) -> None:
        super().on_start()
        self.login("demo_staff")

    @task(3)
    def recommendations(self) -> None:
        listed = IDS["needs_listed"] or IDS["needs_own"]
        self.get(f"/matching/recommendations/need/{random.choice(listed)}/", "recommendations")

    @task(2)
    def dashboard(self) -> None:
        # the figures are cached for STATS_CACHE_SECONDS per filter: a field filter now and
        # then counts afresh
        query = f"?field={random.choice(TOP_FIELDS)}" if random.random() < 0.3 else ""
        self.get(f"/matching/dashboard/{query}", "dashboard")

    @task(2)
    def pairs(self) -> None:
        if random.random() < 0.5 or not IDS["pairs"]:
            self.get("/matching/pairs/", "dashboard")
        else:
            self.get(f"/matching/pairs/{random.choice(IDS['pairs'])}/", "details")

    @task(2)
    def approve(self) -> None:
        if not SUBMITTED:
            return
        pk = SUBMITTED.popleft()
        with self.client.post(
            f"/api/needs/{pk}/approve/",
            headers=self._api_headers(),
            name="posting",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"approve need {pk}: {response.status_code} {response.text[:200]}")
