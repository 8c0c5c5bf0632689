"""Two-step sign-in for staff: enrolment, the code step at login, recovery codes, the setting."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def _code(device: TOTPDevice, *, drift: int = 0) -> str:
    """The code an authenticator app shows now (``drift`` steps later for a fresh one)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:06d}"


def _enrol(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/accounts/mfa/").content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert "otpauth://totp/" in page
    response = client.post("/accounts/mfa/", {"code": _code(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li class=\"col\">([a-z2-7]{8})</li>", codes_page)
    device.refresh_from_db()
    return device, codes


def _password_step(username: str, **extra: str) -> Client:
    client = Client(REMOTE_ADDR="10.0.0.9")
    response = client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 302
    return client


def test_staff_enrol_and_then_log_in_with_a_totp_code(staff: User, staff_client: Client) -> None:
    device, codes = _enrol(staff_client, staff)
    assert device.confirmed
    assert len(codes) == 10
    assert staff_client.get("/accounts/mfa/codes/").status_code == 302  # shown once

    client = _password_step("staff")
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/verify/", {"code": _code(device, drift=1)})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == staff.pk
    assert client.get("/accounts/profile/").status_code == 200


def test_the_password_alone_does_not_log_in_a_user_with_a_device(
    staff: User, staff_client: Client
) -> None:
    _enrol(staff_client, staff)

    response = _password_step("staff").get("/accounts/login/verify/")

    assert response.status_code == 200
    assert "两步验证" in response.content.decode()


def test_a_wrong_code_is_refused_with_a_clear_message(staff: User, staff_client: Client) -> None:
    _enrol(staff_client, staff)
    client = _password_step("staff")

    response = client.post("/accounts/login/verify/", {"code": "000000"})

    assert response.status_code == 200
    assert "验证码不正确或已使用" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_codes_end_the_attempt(staff: User, staff_client: Client) -> None:
    _enrol(staff_client, staff)
    client = _password_step("staff")

    statuses = [
        client.post("/accounts/login/verify/", {"code": "000000"}).status_code for _ in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    assert client.get("/accounts/login/verify/")["Location"] == "/accounts/login/"


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_axes_lockout(staff: User, staff_client: Client) -> None:
    _enrol(staff_client, staff)
    client = _password_step("staff")
    for _ in range(2):
        client.post("/accounts/login/verify/", {"code": "000000"})

    response = client.post("/accounts/login/verify/", {"code": "000000"})

    assert response.status_code == 429
    again = Client(REMOTE_ADDR="10.0.0.9").post(
        "/accounts/login/", {"username": "staff", "password": PASSWORD}
    )
    assert again.status_code == 429


def test_a_recovery_code_works_once(staff: User, staff_client: Client) -> None:
    _device, codes = _enrol(staff_client, staff)

    first = _password_step("staff")
    response = first.post("/accounts/login/verify/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert int(first.session["_auth_user_id"]) == staff.pk

    second = _password_step("staff")
    response = second.post("/accounts/login/verify/", {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in second.session


def test_regenerating_recovery_codes_retires_the_old_ones(
    staff: User, staff_client: Client
) -> None:
    device, old_codes = _enrol(staff_client, staff)

    response = staff_client.post(
        "/accounts/mfa/codes/regenerate/", {"code": _code(device, drift=1)}
    )
    new_page = staff_client.get(response["Location"]).content.decode()

    new_codes = re.findall(r"<li class=\"col\">([a-z2-7]{8})</li>", new_page)
    assert len(new_codes) == 10
    assert (
        _password_step("staff").post("/accounts/login/verify/", {"code": new_codes[0]}).status_code
        == 302
    )
    # (a wrong code makes django-otp wait before the next try, so the refused one comes last)
    assert (
        _password_step("staff").post("/accounts/login/verify/", {"code": old_codes[0]}).status_code
        == 200
    )


def test_disabling_needs_a_current_code(staff: User, staff_client: Client) -> None:
    device, _codes = _enrol(staff_client, staff)

    staff_client.post("/accounts/mfa/disable/", {"code": "000000"})
    assert TOTPDevice.objects.filter(user=staff).exists()

    staff_client.post("/accounts/mfa/disable/", {"code": _code(device, drift=1)})
    assert not TOTPDevice.objects.filter(user=staff).exists()


def test_a_password_only_session_of_a_user_with_a_device_is_sent_back_to_login(
    staff: User, staff_client: Client
) -> None:
    _enrol(staff_client, staff)
    other = Client()
    other.force_login(staff)  # as /admin/login/ would: password only

    response = other.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in other.session


def test_the_token_api_asks_a_user_with_a_device_for_a_code(
    staff: User, staff_client: Client
) -> None:
    device, _codes = _enrol(staff_client, staff)
    client = Client()

    refused = client.post("/api/auth/token/", {"username": "staff", "password": PASSWORD})
    granted = client.post(
        "/api/auth/token/",
        {"username": "staff", "password": PASSWORD, "otp": _code(device, drift=1)},
    )

    assert refused.status_code == 400
    assert "两步验证" in refused.json()["otp"][0]
    assert granted.status_code == 200


@override_settings(STAFF_MFA_REQUIRED=True)
def test_the_setting_sends_staff_without_a_device_to_enrol_first(staff_client: Client) -> None:
    page = staff_client.get("/accounts/profile/")
    api = staff_client.get("/api/me/")

    assert page.status_code == 302
    assert page["Location"] == "/accounts/mfa/"
    assert api.status_code == 403
    assert "两步验证" in api.json()["detail"]
    assert staff_client.get("/accounts/mfa/").status_code == 200


@override_settings(STAFF_MFA_REQUIRED=True)
def test_the_setting_leaves_enterprises_alone(alice: User, alice_client: Client) -> None:
    assert alice_client.get("/accounts/profile/").status_code == 200
    assert alice_client.get("/accounts/mfa/").status_code == 403
    assert (
        Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
