"""Issue 3 done-when, in a real browser: a new enterprise registers, posts a need with an
attachment and sees it pending; demo_staff approves it; the public list and a Chinese search
for a word of its description find it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.demo import demo_credit_code
from portal.services.attachments import attachment_bytes_for_tests
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "数控机床主轴热变形补偿"


def test_a_new_enterprise_need_goes_from_sign_up_to_public_search(
    page: object, tmp_path: Path
) -> None:
    call_command("seed_demo")
    base = page.base_url  # type: ignore[attr-defined]

    page.goto(f"{base}/accounts/register/")  # type: ignore[attr-defined]
    page.fill("#id_username", "xinqiye")  # type: ignore[attr-defined]
    page.fill("#id_display_name", "周新")  # type: ignore[attr-defined]
    page.fill("#id_phone", "13705310099")  # type: ignore[attr-defined]
    page.fill("#id_email", "zhou@example.cn")  # type: ignore[attr-defined]
    page.fill("#id_password1", "Duijie-2030-secure")  # type: ignore[attr-defined]
    page.fill("#id_password2", "Duijie-2030-secure")  # type: ignore[attr-defined]
    page.select_option("#id_role", "enterprise")  # type: ignore[attr-defined]
    page.fill("#id_org_name", "济南新启航精密机械有限公司")  # type: ignore[attr-defined]
    page.select_option("#id_org_type", "enterprise")  # type: ignore[attr-defined]
    page.fill("#id_credit_code", demo_credit_code(4242))  # type: ignore[attr-defined]
    page.select_option("#id_region_code", "370100")  # type: ignore[attr-defined]
    page.check("#id_agree")  # type: ignore[attr-defined]
    page.click("form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "待认证" in page.inner_text("main")  # type: ignore[attr-defined]

    pdf = tmp_path / "工况说明.pdf"
    pdf.write_bytes(attachment_bytes_for_tests("pdf"))
    page.goto(f"{base}/needs/new/")  # type: ignore[attr-defined]
    page.fill("#id_title", TITLE)  # type: ignore[attr-defined]
    page.fill(  # type: ignore[attr-defined]
        "#id_description",
        "主轴连续运行两小时后热伸长导致加工尺寸超差，希望开发温度场建模与实时补偿系统。",
    )
    page.select_option("#id_fields", label="先进制造工艺与装备")  # type: ignore[attr-defined]
    page.fill("#id_keywords", "热变形，误差补偿")  # type: ignore[attr-defined]
    page.select_option("#id_region_code", "370100")  # type: ignore[attr-defined]
    page.fill("#id_budget_min", "30")  # type: ignore[attr-defined]
    page.fill("#id_budget_max", "60")  # type: ignore[attr-defined]
    deadline = (date.today() + timedelta(days=90)).isoformat()  # noqa: DTZ011
    page.fill("#id_deadline", deadline)  # type: ignore[attr-defined]
    page.set_input_files("#id_attachment", str(pdf))  # type: ignore[attr-defined]
    page.click("button[name=action][value=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]

    page.goto(f"{base}/needs/mine/")  # type: ignore[attr-defined]
    mine = page.inner_text("main")  # type: ignore[attr-defined]
    assert TITLE in mine
    assert "待审核" in mine

    page.context.clear_cookies()  # type: ignore[attr-defined]
    login(page, "demo_staff")
    page.goto(f"{base}/review/?kind=need")  # type: ignore[attr-defined]
    page.click(f"text={TITLE}")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    page.click("button:has-text('审核通过')")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]

    page.context.clear_cookies()  # type: ignore[attr-defined]
    page.goto(f"{base}/needs/")  # type: ignore[attr-defined]
    assert TITLE in page.inner_text("main")  # type: ignore[attr-defined]
    page.goto(f"{base}/needs/?q=温度场")  # type: ignore[attr-defined]
    assert TITLE in page.inner_text("main")  # type: ignore[attr-defined]
    assert page.locator("mark", has_text="温度场").count() >= 1  # type: ignore[attr-defined]
