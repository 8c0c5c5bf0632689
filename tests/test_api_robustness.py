"""Never a 500: every API route, for every kind of user, answers bad input with a 4xx JSON.

Routes come from the URL configuration, so a new route is covered the day it is added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.routes import all_routes

pytestmark = pytest.mark.django_db

JUNK_QUERY = {
    "page": "abc",
    "page_size": "-5",
    "status": "no-such-status",
    "region": "abc",
    "region_code": "999999",
    "field": "zz",
    "fields": "zz",
    "mode": "zz",
    "maturity": "zz",
    "budget_min": "abc",
    "budget_max": "-1e999",
    "q": "<script>alert(1)</script>" + "查" * 300,
    "direction": "sideways",
    "score_min": "NaN",
    "created_after": "not-a-date",
    "published_after": "2026-13-45",
    "limit": "-1",
    "kind": "planet",
}

JUNK_BODIES: list[object] = [
    {},
    [1, 2, 3],
    "just a string",
    {"reason": "x" * 100_000, "accept": "maybe", "stage": "nonsense"},
    {"stage": "signed", "amount": -1, "contract_amount": "abc", "signed_on": "yesterday"},
    {"stage": "landed", "landed_on": "2000-01-01", "outcome": None},
    {
        "title": "<script>alert(1)</script>",
        "description": "<b>粗体</b>",
        "budget_min": "abc",
        "budget_max": -5,
        "fields": ["zz", None],
        "region_code": "999999",
        "deadline": "1999-01-01",
    },
    {"need": "abc", "result": -1, "expert": {"nested": True}, "direction": 42},
    {"date": "not-a-date", "channel": "carrier-pigeon", "summary": "", "next_contact": "x"},
    {"username": ["a"], "password": {"b": 1}},
]


def api_routes() -> Iterator[str]:
    for route in all_routes():
        if route.startswith("api/") and not route.startswith(("api/schema", "api/docs")):
            yield route


def concrete_paths(route: str) -> list[str]:
    if "<int:pk>" not in route:
        return ["/" + route]
    return ["/" + route.replace("<int:pk>", pk) for pk in ("1", "999999")]


def clients() -> dict[str, Client]:
    result = {"anonymous": Client()}
    for username in ("demo_enterprise", "demo_staff"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        result[username] = client
    return result


def test_no_api_route_answers_bad_input_with_a_server_error() -> None:
    call_command("seed_demo")
    failures: list[str] = []
    routes = list(api_routes())
    assert len(routes) >= 30
    for who, client in clients().items():
        for route in routes:
            for path in concrete_paths(route):
                responses = [("GET", client.get(path, JUNK_QUERY))]
                for body in JUNK_BODIES:
                    payload = json.dumps(body)
                    methods = ("post", "patch") if route.endswith("<int:pk>/") else ("post",)
                    for method in methods:
                        response = getattr(client, method)(
                            path, data=payload, content_type="application/json"
                        )
                        responses.append((method.upper(), response))
                responses.append(
                    ("POST", client.post(path, data="{broken", content_type="application/json"))
                )
                for method, response in responses:
                    if response.status_code >= 500:
                        failures.append(f"{who} {method} {path}: {response.status_code}")
                    elif response.status_code >= 400:
                        content_type = response.get("Content-Type", "")
                        if not content_type.startswith("application/json"):
                            failures.append(f"{who} {method} {path}: non-JSON {content_type}")
    assert failures == []


def test_error_messages_are_chinese() -> None:
    call_command("seed_demo")
    client = Client()
    client.force_login(User.objects.get(username="demo_enterprise"))

    response = client.post(
        "/api/needs/",
        data=json.dumps({"title": "x" * 300, "budget_min": -1}),
        content_type="application/json",
    )

    assert response.status_code == 400
    text = json.dumps(response.json(), ensure_ascii=False)
    assert re.search(r"[\u4e00-\u9fff]", text)
