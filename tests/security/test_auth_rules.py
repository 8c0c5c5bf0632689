"""Sign-in rules: weak passwords refused in Chinese, sessions end after SESSION_COOKIE_AGE, the
API throttles each user and each anonymous address with a Chinese 429. (Lockout after
AXES_FAILURE_LIMIT failures: tests/accounts/test_lockout.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework import throttling, views
from rest_framework.settings import api_settings

from accounts.models import User
from tests.accounts.test_registration import VALID

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-x", "密码太短"),
        ("12345678901", "密码只包含数字"),
        ("password123", "太常见"),
        ("wanggong2026", "相似"),
    ],
)
def test_registration_refuses_weak_passwords_in_chinese(password: str, message: str) -> None:
    data = {**VALID, "password1": password, "password2": password}

    response = Client().post("/accounts/register/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username=VALID["username"]).exists()


def test_a_password_change_refuses_a_weak_password_in_chinese(alice: User) -> None:
    client = Client()
    client.force_login(alice)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": "pass-word-123", "new_password1": "1234", "new_password2": "1234"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "密码太短" in page
    assert "密码只包含数字" in page
    alice.refresh_from_db()
    assert alice.check_password("pass-word-123")


def test_a_session_ends_after_session_cookie_age(alice: User) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        assert (
            client.post(
                "/accounts/login/", {"username": "alice", "password": "pass-word-123"}
            ).status_code
            == 302
        )
        traveller.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get("/accounts/profile/").status_code == 200

        traveller.shift(dt.timedelta(seconds=120))
        response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def throttled() -> Iterator[None]:
    """The production throttle classes (settings_test turns them off) at 3 a minute."""
    from portal import settings as production

    classes = [
        __import__(path.rsplit(".", 1)[0], fromlist=["x"]).__dict__[path.rsplit(".", 1)[1]]
        for path in production.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    ]
    saved = views.APIView.throttle_classes, throttling.SimpleRateThrottle.THROTTLE_RATES
    views.APIView.throttle_classes = classes
    throttling.SimpleRateThrottle.THROTTLE_RATES = {"anon": "3/min", "user": "3/min"}
    cache.clear()
    yield
    views.APIView.throttle_classes, throttling.SimpleRateThrottle.THROTTLE_RATES = saved
    cache.clear()


def answers(client: Client, times: int, **headers: Any) -> list[int]:
    return [client.get("/api/needs/", headers=headers).status_code for _ in range(times)]


def test_the_api_throttles_each_signed_in_user(throttled: None, alice: User, bob: User) -> None:
    first, second = Client(), Client()
    first.force_login(alice)
    second.force_login(bob)

    assert answers(first, 4) == [200, 200, 200, 429]
    response = first.get("/api/needs/")
    assert "请求已被限流" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert answers(second, 1) == [200]  # another user has their own allowance


def test_the_api_throttles_each_anonymous_address(throttled: None) -> None:
    assert answers(Client(REMOTE_ADDR="198.51.100.7"), 4) == [200, 200, 200, 429]
    assert answers(Client(REMOTE_ADDR="198.51.100.8"), 1) == [200]


def test_an_anonymous_client_cannot_escape_the_throttle_with_a_made_up_forwarded_for(
    throttled: None,
) -> None:
    """With NUM_PROXIES unset DRF took the whole X-Forwarded-For header as the address, so a
    client sending a new one each time was never throttled. The portal trusts exactly the
    proxies it says it has (API_NUM_PROXIES): each of them appends the address it saw."""
    proxies = api_settings.NUM_PROXIES
    assert proxies is not None
    client = Client(REMOTE_ADDR="198.51.100.9" if proxies == 0 else "172.18.0.2")

    statuses = [
        client.get(
            "/api/needs/",
            headers={"X-Forwarded-For": ", ".join([f"10.0.0.{i}"] + ["198.51.100.9"] * proxies)},
        ).status_code
        for i in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
