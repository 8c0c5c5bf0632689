"""Validation with reasons: each rule lives on the model field or in the posting service, so
the browser form, the API, the spreadsheet import and the admin refuse the same input with the
same Chinese message next to the field, and save nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.validators import is_cn_contact_phone, validate_cn_contact_phone
from portal.models import Need, Result, TechField
from portal.models.validators import deadline_latest
from portal.services.imports import posting_import
from portal.services.postings import posting_create
from tests.portal.conftest import need_data, need_form
from tests.portal.factories import NeedFactory
from tests.portal.import_files import need_rows, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD_API = {
    "title": "新能源汽车电池包轻量化",
    "description": "需要把电池包壳体减重百分之二十。",
    "fields": ["0403"],
    "region_code": "370100",
}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def api(alice) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


# (API/form field, bad value, a piece of the Chinese message)
BAD_NEEDS: list[tuple[str, Any, str]] = [
    ("deadline", "9999-12-31", "截止日期不能晚于"),
    ("title", "长" * 101, "超过 100 "),
    ("budget_min", "-1", "金额不能为负数"),
    ("budget_max", "1000001", "不能超过 1,000,000 万元"),
    ("contact_phone", "12345", "请输入有效的联系电话"),
    ("contact_phone", "1390531000", "请输入有效的联系电话"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_NEEDS)
def test_the_api_answers_each_bad_value_with_a_400_on_its_field(api, field, value, message) -> None:
    response = api.post("/api/needs/", {**GOOD_API, field: value}, format="json")

    assert response.status_code == 400, response.json()
    errors = " ".join(response.json()[field])
    assert message in errors
    assert _has_chinese(errors)
    assert Need.objects.count() == 0


@pytest.mark.parametrize(("field", "value", "message"), BAD_NEEDS)
def test_the_need_form_shows_each_bad_value_next_to_its_field(
    alice_client, field, value, message
) -> None:
    response = alice_client.post("/needs/new/", need_form(**{field: value}))

    assert response.status_code == 200
    html = response.content.decode()
    # the message sits in the field's own feedback block, right after the field's input
    after_field = html[html.index(f'name="{field}"') :]
    assert message in after_field[:2000]
    assert Need.objects.count() == 0


def test_a_deadline_ten_years_ahead_is_accepted_and_one_day_more_is_not(api) -> None:
    latest = deadline_latest()
    ok = api.post("/api/needs/", {**GOOD_API, "deadline": latest.isoformat()}, format="json")
    too_far = api.post(
        "/api/needs/",
        {**GOOD_API, "title": "另一项需求", "deadline": (latest + timedelta(days=1)).isoformat()},
        format="json",
    )

    assert ok.status_code == 201
    assert too_far.status_code == 400
    assert "deadline" in too_far.json()
    assert Need.objects.count() == 1


def test_a_deadline_before_today_is_refused_for_a_new_need(api) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)

    response = api.post("/api/needs/", {**GOOD_API, "deadline": yesterday.isoformat()})

    assert response.status_code == 400
    assert "截止日期不能早于今天" in " ".join(response.json()["deadline"])


def test_a_title_of_exactly_100_characters_is_accepted(api) -> None:
    response = api.post("/api/needs/", {**GOOD_API, "title": "长" * 100}, format="json")

    assert response.status_code == 201


def test_a_result_price_above_the_maximum_is_refused(researcher) -> None:
    data = {
        "title": "耐低温高韧性聚丙烯复合材料",
        "summary": "弹性体与成核剂协同增韧。",
        "fields": [TechField.objects.get(code="0403")],
        "region_code": "370100",
        "asking_price": 2_000_000,
    }

    with pytest.raises(ValidationError) as caught:
        posting_create(kind="result", by=researcher, data=data)

    assert "asking_price" in caught.value.message_dict
    assert Result.objects.count() == 0


def test_a_landline_with_its_area_code_is_a_valid_contact_phone(alice) -> None:
    need = posting_create(kind="need", by=alice, data=need_data(contact_phone="0531-88886666"))

    assert need.contact_phone == "0531-88886666"


@pytest.mark.parametrize(
    "phone", ["13905310001", "0531-88886666", "01088886666", "010-88886666-123", "400-123-4567"]
)
def test_mobile_and_landline_numbers_are_contact_phones(phone) -> None:
    assert is_cn_contact_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "23905310001", "0531-0888666", "139053100011", "电话"])
def test_malformed_numbers_are_refused_with_a_chinese_reason(phone) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_cn_contact_phone(phone)

    assert _has_chinese(str(caught.value.messages[0]))


def test_an_edit_cannot_move_a_deadline_beyond_ten_years(api, alice) -> None:
    need = NeedFactory(organization=alice.organization, created_by=alice, status="draft")

    response = api.patch(f"/api/needs/{need.pk}/", {"deadline": "9999-12-31"}, format="json")

    assert response.status_code == 400
    assert "deadline" in response.json()
    need.refresh_from_db()
    assert need.deadline is None


def test_the_import_refuses_a_far_deadline_and_a_huge_budget_and_saves_nothing(staff) -> None:
    bad = {1: {"截止日期": "9999-12-31"}, 2: {"预算上限(万元)": 5_000_000}}
    content = xlsx_bytes(need_rows(4, bad_rows=bad))

    report = posting_import(kind="need", by=staff, name="needs.xlsx", content=content)

    assert {(e.row, e.column) for e in report.errors} == {
        (3, "截止日期"),
        (4, "预算上限(万元)"),
    }
    assert Need.objects.count() == 0


def test_the_description_field_carries_its_live_counter(alice_client) -> None:
    html = alice_client.get("/needs/new/").content.decode()

    assert 'data-maxlength-counter="20000"' in html
    assert "js/counter.js" in html


def test_registration_refuses_a_bad_credit_code_and_phone_next_to_their_fields(client) -> None:
    response = client.post(
        "/accounts/register/",
        {
            "username": "newbie",
            "display_name": "新用户",
            "phone": "1234",
            "email": "n@example.cn",
            "password1": "Xy-long-pass-1",
            "password2": "Xy-long-pass-1",
            "role": "enterprise",
            "org_name": "新公司",
            "org_type": "enterprise",
            "credit_code": "91370100MA3C00000X",
            "region_code": "370100",
            "agree": "on",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入有效的11位中国大陆手机号码" in html
    assert "统一社会信用代码无效" in html
    assert html.index('name="credit_code"') < html.index("统一社会信用代码无效")
    assert 'class="form-control is-invalid"' in html
