"""Done-when of issue 3: a new enterprise user posts a need with an attachment; staff approve
it; it appears in the public list and in a Chinese search for a word of its description."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.demo import demo_credit_code
from portal.models import Need, PostingStatus, TechField
from portal.services.attachments import attachment_bytes_for_tests

pytestmark = pytest.mark.django_db


def test_a_new_enterprise_posts_a_need_that_staff_publish_and_search_finds(staff_client) -> None:
    newcomer = Client()
    response = newcomer.post(
        "/accounts/register/",
        {
            "username": "xinqiye",
            "display_name": "周新",
            "phone": "13705310099",
            "email": "zhou@example.cn",
            "password1": "Duijie-2030-secure",
            "password2": "Duijie-2030-secure",
            "role": "enterprise",
            "org_name": "济南新启航精密机械有限公司",
            "org_type": "enterprise",
            "credit_code": demo_credit_code(4242),
            "region_code": "370100",
            "agree": "on",
        },
    )
    assert response.status_code == 302

    field = TechField.objects.get(code="0801")
    response = newcomer.post(
        "/needs/new/",
        {
            "title": "数控机床主轴热变形补偿",
            "description": (
                "主轴连续运行两小时后热伸长导致加工尺寸超差，希望开发温度场建模与实时补偿系统。"
            ),
            "fields": [field.pk],
            "keywords": "热变形，误差补偿",
            "region_code": "370100",
            "budget_min": "30",
            "budget_max": "60",
            "deadline": (date.today() + timedelta(days=90)).isoformat(),  # noqa: DTZ011
            "contact_name": "周新",
            "contact_phone": "13705310099",
            "attachment": SimpleUploadedFile("工况说明.pdf", attachment_bytes_for_tests("pdf")),
            "action": "submit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get(title="数控机床主轴热变形补偿")
    assert need.status == PostingStatus.SUBMITTED
    assert need.attachments.count() == 1

    mine = newcomer.get("/needs/mine/").content.decode()
    assert "数控机床主轴热变形补偿" in mine
    assert "待审核" in mine
    assert "数控机床主轴热变形补偿" not in Client().get("/needs/").content.decode()

    queue = staff_client.get("/review/?kind=need").content.decode()
    assert "数控机床主轴热变形补偿" in queue
    assert staff_client.post(f"/needs/{need.pk}/approve/").status_code == 302
    need.refresh_from_db()
    assert need.status == PostingStatus.PUBLISHED

    public = Client()
    assert "数控机床主轴热变形补偿" in public.get("/needs/").content.decode()
    found = public.get("/needs/", {"q": "温度场"}).content.decode()
    assert "数控机床主轴热变形补偿" in found
    assert "<mark>温度场</mark>" in found
    assert public.get(f"/needs/{need.pk}/").status_code == 200
    attachment = need.attachments.get()
    assert public.get(f"/attachments/{attachment.pk}/").status_code == 200
