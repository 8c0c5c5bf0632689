from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_sees_the_portal_in_chinese_and_staff_log_in(page: object) -> None:
    call_command("seed_demo")
    page.goto(page.base_url + "/")  # type: ignore[attr-defined]
    assert "产学研对接平台" in page.title()  # type: ignore[attr-defined]

    login(page, "demo_staff")

    nav = page.inner_text("nav")  # type: ignore[attr-defined]
    assert "刘晓燕" in nav
    assert "工作台" in nav
