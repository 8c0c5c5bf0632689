from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_home_page_is_in_chinese() -> None:
    response = Client().get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "产学研对接平台" in html
    assert "登录" in html


def test_the_language_switch_turns_the_page_english() -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert "Log in" in html


def test_no_page_loads_anything_from_another_host() -> None:
    for url in ["/", "/accounts/login/", "/accounts/register/", "/api/docs/"]:
        html = Client().get(url).content.decode()
        sources = re.findall(r'(?:src|href)="(https?:)?//([^"/]+)', html)
        assert [host for _scheme, host in sources if host not in ("beian.miit.gov.cn",)] == [], url


def test_unknown_pages_get_a_chinese_404() -> None:
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_unknown_api_routes_get_json_404() -> None:
    response = Client().get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_health_reports_each_service() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["status"] == "up" for check in body["checks"].values())


def test_health_is_503_when_a_service_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal import health

    def broken() -> str:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "down"
    assert "connection refused" in response.json()["checks"]["cache"]["error"]


def test_the_openapi_schema_and_docs_answer() -> None:
    schema = Client().get("/api/schema/")
    docs = Client().get("/api/docs/")

    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content


def test_a_token_is_issued_for_a_good_password_and_works(alice: User) -> None:
    client = Client()
    response = client.post("/api/auth/token/", {"username": "alice", "password": "pass-word-123"})
    assert response.status_code == 200
    token = response.json()["token"]

    me = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")

    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["role"] == "enterprise"


def test_a_bad_password_gets_a_json_field_error(alice: User) -> None:
    response = Client().post("/api/auth/token/", {"username": "alice", "password": "x"})

    assert response.status_code == 400
    assert "用户名或密码错误" in response.json()["non_field_errors"][0]


def test_a_missing_field_gets_a_json_field_error() -> None:
    response = Client().post("/api/auth/token/", {"username": "alice"})

    assert response.status_code == 400
    assert "password" in response.json()


def test_malformed_json_gets_a_400_not_a_500() -> None:
    response = Client().post("/api/auth/token/", data="{not json", content_type="application/json")

    assert response.status_code == 400


def test_anonymous_users_cannot_read_their_profile_api() -> None:
    assert Client().get("/api/me/").status_code in (401, 403)


def test_legal_pages_exist() -> None:
    assert "用户协议" in Client().get("/terms/").content.decode()
    assert "隐私政策" in Client().get("/privacy/").content.decode()
