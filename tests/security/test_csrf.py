"""CSRF on every unsafe browser request: every route of the URL configuration refuses a POST
without a token from a signed-in user with a Chinese 403; the API's session-authenticated
writes need the token too, token-authenticated ones do not.

Django checks the token before the view runs, so each route is tried with placeholder ids.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.routes import all_routes

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"<(?:(\w+):)?\w+>")
# Fetched by the browser without a session's side effects, or Django's and third parties' own.
NOT_BROWSER = ("static/", "media/", "__debug__/")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def routes() -> list[str]:
    paths = set()
    for route in all_routes():
        if route.startswith(NOT_BROWSER) or "^" in route or "(?" in route:
            continue
        paths.add("/" + PLACEHOLDER.sub(lambda m: "x" if m[1] in ("str", "slug") else "1", route))
    return sorted(paths)


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def takes_session(path: str) -> bool:
    view = resolve(path).func
    cls = getattr(view, "cls", None)
    classes = getattr(cls, "authentication_classes", ())
    return any(issubclass(c, SessionAuthentication) for c in classes)


def test_every_browser_route_refuses_a_post_without_a_token(
    alice: User, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    pages = [p for p in routes() if not is_api(p)]
    admin_pages = [p for p in pages if p.startswith("/admin/")]
    # The admin has 300-odd routes, all Django's own: every 10th of them is enough.
    tried = [p for p in pages if not p.startswith("/admin/")] + admin_pages[::10]

    failures = []
    for i, path in enumerate(tried):
        # Django checks every unsafe method alike: POST on each route, PUT/DELETE on some.
        for method in ("post", "put", "delete") if i % 10 == 0 else ("post",):
            response = getattr(client, method)(path, {"x": "1"})
            if response.status_code != 403 or "页面已过期" not in response.content.decode():
                failures.append(f"{method.upper()} {path}: {response.status_code}")

    with capsys.disabled():
        print(f"\ncsrf: {len(tried)} browser routes ({len(admin_pages)} admin ones, sampled)")
    assert failures == [], "\n".join(failures)
    assert len(tried) > 150


def test_a_post_with_the_token_gets_past_the_check(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/needs/new/")

    response = client.post(
        "/accounts/notifications/read-all/",
        {"csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )

    assert response.status_code == 302


def test_api_writes_with_a_session_need_the_token(
    alice: User, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    # The schema and its documentation page are read-only and answer YAML or HTML.
    docs = ("/api/docs/", "/api/schema/")
    api = [p for p in routes() if is_api(p) and takes_session(p) and p not in docs]
    without_session = sorted(p for p in routes() if is_api(p) and not takes_session(p))

    failures = []
    for path in api:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(path, "{}", content_type="application/json")
            if response.status_code == 405:
                continue  # the route has no such method
            if not response.get("Content-Type", "").startswith("application/json"):
                failures.append(f"{method.upper()} {path}: {response.status_code} not JSON")
                continue
            detail = response.json().get("detail", "") if response.status_code == 403 else ""
            if "CSRF" not in detail or not CHINESE.search(detail):
                failures.append(f"{method.upper()} {path}: {response.status_code} {detail!r}")

    with capsys.disabled():
        print(f"\ncsrf api: {len(api)} session routes; no session auth: {without_session}")
    assert failures == [], "\n".join(failures)
    # Only the sign-in for a token is outside session authentication.
    assert without_session == ["/api/auth/token/"]


def test_api_writes_with_a_token_need_no_csrf_token(alice: User) -> None:
    token = Token.objects.create(user=alice).key
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/notifications/read-all/",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )

    assert response.status_code in (200, 204)
