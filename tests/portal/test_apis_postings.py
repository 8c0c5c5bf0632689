from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portal.models import Need, PostingStatus
from tests.portal.factories import ExpertFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "title": "新能源汽车电池包轻量化",
    "description": "需要把电池包壳体减重百分之二十。",
    "fields": ["0403"],
    "region_code": "370100",
}


@pytest.fixture
def api(alice) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "长" * 201}, "title"),
        ({"description": "字" * 20001}, "description"),
        ({"fields": ["9999"]}, "fields"),
        ({"region_code": "000000"}, "region_code"),
        ({"budget_min": "-5"}, "budget_min"),
        ({"budget_min": "100", "budget_max": "10"}, "budget_max"),
        ({"deadline": "2001-01-01"}, "deadline"),
        ({"title": "<img src=x onerror=alert(1)>"}, "title"),
        ({"confidential_fields": ["everything"]}, "confidential_fields"),
    ],
)
def test_bad_input_is_a_400_with_chinese_field_messages(api, changes, field) -> None:
    response = api.post("/api/needs/", {**GOOD, **changes}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    message = str(response.json()[field])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert Need.objects.count() == 0


def test_a_need_posted_and_submitted_through_the_api_waits_for_review(api, staff) -> None:
    response = api.post("/api/needs/", {**GOOD, "submit": True}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == PostingStatus.SUBMITTED
    staff_api = APIClient()
    staff_api.force_authenticate(staff)
    approved = staff_api.post(f"/api/needs/{body['id']}/approve/")
    assert approved.json()["status"] == PostingStatus.PUBLISHED


def test_the_reject_action_needs_a_reason(staff, org_a) -> None:
    need = NeedFactory(organization=org_a, status=PostingStatus.SUBMITTED)
    client = APIClient()
    client.force_authenticate(staff)

    assert client.post(f"/api/needs/{need.pk}/reject/", {}, format="json").status_code == 400
    response = client.post(f"/api/needs/{need.pk}/reject/", {"reason": "预算不明确"}, format="json")
    assert response.json()["status"] == PostingStatus.REJECTED


def test_lists_filter_by_field_region_mode_and_budget() -> None:
    NeedFactory(title="甲", region_code="370100", budget_min=10, budget_max=50)
    NeedFactory(title="乙", region_code="150100", budget_min=100, budget_max=300)
    client = APIClient()

    def titles(**params: str) -> list[str]:
        return sorted(n["title"] for n in client.get("/api/needs/", params).json()["results"])

    assert titles(region="370000") == ["甲"]
    assert titles(budget_min="80") == ["乙"]
    assert titles(field="04") == ["乙", "甲"]
    assert titles(field="0101") == []
    assert client.get("/api/needs/", {"field": "nope"}).status_code == 400
    assert client.get("/api/needs/", {"budget_min": "-1"}).status_code == 400


def test_the_search_parameter_ranks_and_filters_in_chinese() -> None:
    NeedFactory(title="印染废水深度脱色", description="催化臭氧氧化")
    NeedFactory(title="机床热误差", description="主轴热伸长")

    results = APIClient().get("/api/needs/", {"q": "臭氧氧化"}).json()["results"]

    assert [r["title"] for r in results] == ["印染废水深度脱色"]


def test_results_and_experts_lists_hide_contact_details_from_the_public() -> None:
    ResultFactory()
    ExpertFactory()
    client = APIClient()

    for url in ("/api/results/", "/api/experts/"):
        item = client.get(url).json()["results"][0]
        assert item["contact_phone"] is None
        assert "contact_phone" in item["hidden"]


def test_the_openapi_schema_documents_the_register_routes() -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    for path in (
        "/api/needs/",
        "/api/needs/{id}/submit/",
        "/api/needs/{id}/approve/",
        "/api/results/{id}/reject/",
        "/api/experts/",
        "/api/organizations/",
        "/api/fields/",
        "/api/regions/",
    ):
        assert path in paths or path.replace("{id}", "{pk}") in paths
