from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, User
from matching.lists import services
from matching.models import Match
from matching.pairs import services as pairs
from tests.matching.factories import (
    SOLAR_EXPERT,
    SOLAR_NEED,
    SOLAR_RESULT,
    ExpertFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def postings(org_a: Organization) -> dict[str, Any]:
    result = ResultFactory(**SOLAR_RESULT, organization=org_a)
    expert = ExpertFactory(**SOLAR_EXPERT)
    need = NeedFactory(**SOLAR_NEED, confidential_fields=["organization"])
    for kind, obj in [("result", result), ("expert", expert), ("need", need)]:
        services.document_index(kind=kind, pk=obj.pk)
    for kind, obj in [("result", result), ("expert", expert), ("need", need)]:
        services.recommend_for(kind=kind, pk=obj.pk)
    return {"need": need, "result": result, "expert": expert}


def test_staff_get_a_needs_recommendations(staff_client: Client, postings: dict[str, Any]) -> None:
    url = reverse("api:need-recommendations", args=[postings["need"].pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    data = response.json()
    directions = {item["direction"] for item in data}
    assert directions == {"need_result", "need_expert"}
    top = data[0]
    assert top["counterpart"]["kind"] in {"result", "expert"}
    assert "钙钛矿" in top["shared_terms"]
    assert {p["name"] for p in top["parts"]} >= {"lexical"}
    assert top["status"] == "suggested"


def test_owners_get_the_pairs_staff_approved_without_scores_or_confidential_names(
    alice_client: Client, staff: User, postings: dict[str, Any]
) -> None:
    url = reverse("api:result-recommendations", args=[postings["result"].pk])
    assert alice_client.get(url).json() == []
    pair = Match.objects.get(need=postings["need"], result=postings["result"])
    pairs.match_approve(match_id=pair.pk, user=staff)
    data = alice_client.get(url).json()
    assert [(item["id"], item["counterpart"]["id"]) for item in data] == [
        (pair.pk, postings["need"].pk)
    ]
    assert data[0]["status"] == "approved"
    assert data[0]["score"] is None
    assert data[0]["parts"] == []
    # the need's organisation is confidential
    assert data[0]["counterpart"]["organization"] is None


def test_with_self_service_owners_get_the_raw_list_with_scores(
    alice_client: Client, postings: dict[str, Any], settings: Any
) -> None:
    settings.MATCHING_SELF_SERVICE = True
    url = reverse("api:result-recommendations", args=[postings["result"].pk])
    data = alice_client.get(url).json()
    pair = Match.objects.get(need=postings["need"], result=postings["result"])
    assert [(item["id"], item["status"]) for item in data] == [(pair.pk, "suggested")]
    assert data[0]["score"] == pytest.approx(pair.score)


def test_limit_caps_each_list(staff_client: Client, postings: dict[str, Any]) -> None:
    url = reverse("api:need-recommendations", args=[postings["need"].pk])
    assert len(staff_client.get(url, {"limit": 1}).json()) == 2
    assert staff_client.get(url, {"limit": "x"}).status_code == 200


def test_it_hides_recommendations_from_other_orgs(charlie: User, postings: dict[str, Any]) -> None:
    client = Client()
    client.force_login(charlie)
    url = reverse("api:result-recommendations", args=[postings["result"].pk])
    assert client.get(url).status_code == 404
    url = reverse("api:expert-recommendations", args=[postings["expert"].pk])
    assert client.get(url).status_code == 404


def test_anonymous_callers_are_refused(client: Client, postings: dict[str, Any]) -> None:
    url = reverse("api:need-recommendations", args=[postings["need"].pk])
    assert client.get(url).status_code in (401, 403)


def test_the_schema_documents_recommendations(staff_client: Client) -> None:
    schema = staff_client.get(reverse("schema"), {"format": "json"}).json()
    assert "/api/needs/{id}/recommendations/" in schema["paths"] or (
        "/api/needs/{pk}/recommendations/" in schema["paths"]
    )
