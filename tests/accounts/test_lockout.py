from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.models import User

pytestmark = pytest.mark.django_db


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_locks_after_three_failures_even_with_the_right_password(alice: User) -> None:
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "alice", "password": "pass-word-123"})

    assert response.status_code == 429
    assert "账号已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_the_token_api_is_locked_too(alice: User) -> None:
    client = Client(REMOTE_ADDR="10.0.0.8")
    for _ in range(3):
        client.post("/api/auth/token/", {"username": "alice", "password": "wrong"})

    response = client.post("/api/auth/token/", {"username": "alice", "password": "pass-word-123"})

    assert response.status_code == 429
    assert "账号已临时锁定" in response.json()["detail"]
