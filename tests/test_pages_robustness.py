"""Never a 500 in the browser either: every page, for every kind of user, with junk filters.

Routes come from the URL configuration, so a new page is covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.routes import all_routes
from tests.test_api_robustness import JUNK_QUERY

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("api/", "admin/", "i18n/", "static/", "media/")


def page_routes() -> Iterator[str]:
    for route in all_routes():
        if not route.startswith(SKIP_PREFIXES):
            yield route


def concrete(route: str) -> list[str]:
    variants = [route]
    for placeholder, values in (
        (r"<int:[a-z_]+>", ("1", "999999")),
        (r"<(?:str|slug):[a-z_]+>", ("need", "nonsense")),
    ):
        expanded = []
        for variant in variants:
            if re.search(placeholder, variant):
                expanded += [re.sub(placeholder, value, variant, count=1) for value in values]
            else:
                expanded.append(variant)
        variants = expanded
    return ["/" + variant for variant in variants if "<" not in variant]


def test_no_page_answers_with_a_server_error() -> None:
    call_command("seed_demo")
    users = {"anonymous": None, **{n: n for n in ("demo_enterprise", "demo_expert", "demo_staff")}}
    failures: list[str] = []
    routes = list(page_routes())
    assert len(routes) >= 40
    for who, username in users.items():
        client = Client()
        user = User.objects.get(username=username) if username else None
        for route in routes:
            if user is not None:
                client.force_login(user)  # a POST to the logout page ends the session
            for path in concrete(route):
                for response in (
                    client.get(path, JUNK_QUERY),
                    client.post(path, {"reason": "<script>", "amount": "-1", "ids": ["x"]}),
                ):
                    if response.status_code >= 500:
                        failures.append(f"{who} {response.request['REQUEST_METHOD']} {path}")
    assert failures == []
