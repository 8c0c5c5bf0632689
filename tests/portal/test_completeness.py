"""Needs researchers can answer: one completeness score and its prompts, shown while the
need is written (form panel), in the API and in the staff review queue."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from portal.models import CooperationMode, PostingStatus, TechField
from portal.services.completeness import has_technical_targets, need_completeness
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db

TITLE = "新能源汽车电池包轻量化"
ONE_SENTENCE = "我们想把电池包做得更轻一些。"
LONG_DESCRIPTION = (
    "我公司为新能源汽车配套生产电池包壳体，现用钢制壳体重量偏大，整车厂要求下一代车型减重。"
    "已尝试铝合金挤压型材方案，但焊接变形和密封问题没有解决，试制件气密性合格率只有 85%。"
    "希望与高校合作开发复合材料或铝合金轻量化壳体，壳体减重不低于 20%，"
    "满足 GB 38031 挤压、跌落和浸水试验要求，并协助完成小批量试制和工艺验证。"
)


def _codes(html: str) -> list[str]:
    return re.findall(r'data-missing="([a-z_]+)"', html)


def _score(html: str) -> int:
    match = re.search(r'data-completeness-score="(\d+)"', html)
    assert match, html
    return int(match.group(1))


def _steps() -> list[dict[str, Any]]:
    """Form values of one need, filled in step by step."""
    field = TechField.objects.get(code="0403")
    mode = CooperationMode.objects.get(code="co_develop")
    base: dict[str, Any] = {"title": TITLE, "description": ONE_SENTENCE}
    steps = [dict(base)]
    for change in (
        {"description": LONG_DESCRIPTION},
        {"keywords": "轻量化，电池包，复合材料"},
        {"fields": [str(field.pk)]},
        {"cooperation_modes": [str(mode.pk)]},
        {"budget_min": "50", "budget_max": "150"},
        {"deadline": (date.today() + timedelta(days=90)).isoformat()},  # noqa: DTZ011
    ):
        base = {**base, **change}
        steps.append(dict(base))
    return steps


def test_a_title_and_one_sentence_lists_every_missing_item() -> None:
    result = need_completeness({"title": TITLE, "description": ONE_SENTENCE})

    assert [item.code for item in result.missing] == [
        "description_short",
        "no_targets",
        "keywords",
        "no_budget",
        "no_modes",
        "field_general",
        "no_deadline",
    ]
    assert result.score == 0
    assert all(item.message for item in result.missing)


def test_the_score_rises_with_each_item_filled_in_and_reaches_100() -> None:
    scores = [need_completeness(step).score for step in _steps()]

    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)
    assert scores[-1] == 100
    assert need_completeness(_steps()[-1]).missing == []


def test_only_a_top_level_field_is_too_general() -> None:
    top = TechField.objects.get(code="04")
    sub = TechField.objects.get(code="0403")

    def codes(fields: list[TechField]) -> list[str]:
        return [i.code for i in need_completeness({"title": TITLE, "fields": fields}).missing]

    assert "field_general" in codes([top])
    assert "field_general" not in codes([top, sub])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("希望提高产品质量，降低成本，预计投入 30 万元。", False),
        ("我们想在 2027 年前完成。", False),
        ("出水 COD 低于 50 mg/L。", True),
        ("零下四十度缺口冲击强度提高一倍。", True),
        ("检测精度达到 2 微米，节拍不超过两秒。", True),
        ("抗拉强度不低于 300。", True),
        ("年产 5 万吨。", True),
    ],
)
def test_technical_targets_are_numbers_with_units_or_indicators(text: str, expected: bool) -> None:
    assert has_technical_targets(text) is expected


def test_the_need_form_shows_the_missing_items_as_the_user_types(alice_client: Client) -> None:
    form_page = alice_client.get(reverse("registers:need-create")).content.decode()
    panel_url = reverse("registers:need-completeness")
    assert f'hx-post="{panel_url}"' in form_page
    assert "keyup changed delay:500ms" in form_page

    scores = []
    for step in _steps():
        response = alice_client.post(panel_url, step, headers={"HX-Request": "true"})
        assert response.status_code == 200
        html = response.content.decode()
        scores.append(_score(html))
        if step["description"] == ONE_SENTENCE:
            assert set(_codes(html)) >= {"description_short", "no_targets", "keywords"}
            assert "可量化的技术指标" in html
    assert scores == sorted(scores)
    assert scores[0] < 20
    assert scores[-1] == 100
    assert _codes(html) == []


def test_the_panel_needs_a_login() -> None:
    response = Client().post(reverse("registers:need-completeness"), {"title": TITLE})
    assert response.status_code == 302


def test_the_api_returns_completeness_and_it_rises_when_items_are_added(alice: User) -> None:
    api = APIClient()
    api.force_authenticate(alice)
    created = api.post(
        "/api/needs/",
        {"title": TITLE, "description": ONE_SENTENCE, "fields": ["0403"], "region_code": "370100"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    codes = [item["code"] for item in body["completeness"]["missing"]]
    assert {"description_short", "no_targets", "keywords", "no_budget", "no_modes"} <= set(codes)
    assert all(item["message"] for item in body["completeness"]["missing"])
    first = body["completeness"]["score"]

    updated = api.patch(
        f"/api/needs/{body['id']}/",
        {
            "description": LONG_DESCRIPTION,
            "keywords": "轻量化，电池包，复合材料",
            "budget_min": "50",
            "budget_max": "150",
        },
        format="json",
    )
    assert updated.status_code == 200, updated.content
    after = updated.json()["completeness"]
    assert after["score"] > first
    assert not {"description_short", "no_targets", "keywords", "no_budget"} & {
        item["code"] for item in after["missing"]
    }
    detail = api.get(f"/api/needs/{body['id']}/").json()
    assert detail["completeness"] == after


def test_staff_see_each_needs_score_and_can_sort_the_queue_by_it(
    staff_client: Client, org_a: Any
) -> None:
    now = timezone.now()
    vague = NeedFactory(
        organization=org_a,
        title="提升产品质量",
        description="希望提升产品质量。",
        keywords="",
        budget_min=None,
        budget_max=None,
        status=PostingStatus.SUBMITTED,
        submitted_at=now - timedelta(days=2),
    )
    full = NeedFactory(
        organization=org_a,
        title=TITLE,
        description=LONG_DESCRIPTION,
        keywords="轻量化，电池包，复合材料",
        deadline=date.today() + timedelta(days=90),  # noqa: DTZ011
        status=PostingStatus.SUBMITTED,
        submitted_at=now - timedelta(days=1),
    )
    full.cooperation_modes.set([CooperationMode.objects.get(code="co_develop")])
    url = reverse("registers:review-queue")

    page = staff_client.get(url, {"kind": "need"}).content.decode()
    assert page.index(vague.title) < page.index(full.title)  # oldest first by default
    assert 'data-missing="no_targets"' in page

    def scores(sort: str) -> list[int]:
        html = staff_client.get(url, {"kind": "need", "sort": sort}).content.decode()
        return [int(s) for s in re.findall(r'<td data-completeness-score="(\d+)"', html)]

    assert scores("-completeness") == [100, need_completeness(vague).score]
    assert scores("completeness") == [need_completeness(vague).score, 100]
    assert need_completeness(vague).score < 40
