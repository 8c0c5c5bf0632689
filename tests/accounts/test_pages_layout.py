"""The account and error pages use the site's layout (navbar, cards, Bootstrap fields), the
404 page is the portal's own even with DEBUG on (as in `make run`), and /favicon.ico exists."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User

pytestmark = pytest.mark.django_db

NAVBAR = '<nav class="navbar'
ADMIN_LOOK = "Django administration"


def _site_page(html: str) -> None:
    assert NAVBAR in html
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert ADMIN_LOOK not in html


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/login/", "登录"),
        ("/accounts/register/", "注册账号"),
        ("/accounts/password/reset/", "找回密码"),
        ("/accounts/password/reset/done/", "邮件已发送"),
        ("/accounts/password/reset/complete/", "密码已重设"),
        ("/accounts/password/reset/MQ/bad-token/", "重设密码的链接无效"),
    ],
)
def test_the_public_account_pages_use_the_site_layout(client: Client, url, heading) -> None:
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    _site_page(html)
    assert heading in html


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/accounts/profile/", "个人中心"),
        ("/accounts/password/change/", "修改密码"),
        ("/accounts/password/change/done/", "密码已修改"),
    ],
)
def test_the_signed_in_account_pages_use_the_site_layout(alice_client, url, heading) -> None:
    response = alice_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    _site_page(html)
    assert heading in html


def test_the_registration_fields_are_styled_with_labels(client: Client) -> None:
    html = client.get("/accounts/register/").content.decode()

    assert re.search(r'<input type="text" name="username"[^>]*class="form-control"', html)
    assert re.search(r'<select name="region_code"[^>]*class="form-select"', html)
    assert '<label class="form-label" for="id_credit_code">统一社会信用代码' in html


def test_the_profile_form_shows_a_bad_phone_in_chinese_next_to_the_field(alice_client) -> None:
    response = alice_client.post(
        "/accounts/profile/",
        {"display_name": "爱丽丝", "email": "alice@example.cn", "phone": "123"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    after_phone = html[html.index('name="phone"') :]
    assert "请输入有效的11位中国大陆手机号码" in after_phone[:600]
    assert "is-invalid" in after_phone[:300]


def test_a_password_change_with_a_wrong_old_password_is_refused_in_chinese(
    alice_client, alice: User
) -> None:
    response = alice_client.post(
        "/accounts/password/change/",
        {
            "old_password": "wrong",
            "new_password1": "Zx-new-pass-9",
            "new_password2": "Zx-new-pass-9",
        },
    )

    assert response.status_code == 200
    assert "旧密码不正确" in response.content.decode()
    alice.refresh_from_db()
    assert not alice.check_password("Zx-new-pass-9")


def test_the_password_reset_mail_links_to_the_portals_own_page(client: Client, alice: User) -> None:
    response = client.post("/accounts/password/reset/", {"email": alice.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "重设密码" in mail.outbox[0].subject
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+)", body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert "设置新密码" in form_page.content.decode()
    _site_page(form_page.content.decode())


def test_a_reset_link_sets_a_new_password(client: Client, alice: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    page = client.get(f"/accounts/password/reset/{uid}/{token}/", follow=True)

    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Zx-new-pass-9", "new_password2": "Zx-new-pass-9"},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Zx-new-pass-9")


def test_with_debug_on_a_missing_page_is_the_portals_chinese_404(client: Client, settings) -> None:
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    _site_page(html)
    assert "页面不存在" in html
    assert "URLconf" not in html


def test_with_debug_on_a_missing_object_is_the_portals_chinese_404(
    client: Client, settings
) -> None:
    settings.DEBUG = True

    response = client.get("/needs/987654/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_with_debug_on_a_missing_api_route_answers_json(client: Client, settings) -> None:
    settings.DEBUG = True

    response = client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_debug_error_pages_keeps_djangos_technical_404(client: Client, settings) -> None:
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


def test_the_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as icon:
        assert icon.read().lstrip().startswith("<svg")


@pytest.mark.parametrize(
    ("status", "text"), [(400, "请求无效"), (403, "没有权限"), (500, "服务器错误")]
)
def test_the_other_error_pages_use_the_site_layout(rf, alice, status, text) -> None:
    from portal import views

    handler = {400: views.bad_request, 403: views.permission_denied, 500: views.server_error}
    request = rf.get("/somewhere/")
    request.user = alice
    response = handler[status](request)

    assert response.status_code == status
    html = response.content.decode()
    _site_page(html)
    assert text in html


def test_an_error_page_that_cannot_render_falls_back_to_a_bare_chinese_page(
    rf, monkeypatch
) -> None:
    from portal import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is down")

    monkeypatch.setattr(views, "render", broken)

    response = views.server_error(rf.get("/somewhere/"))

    assert response.status_code == 500
    assert "服务暂时不可用" in response.content.decode()
