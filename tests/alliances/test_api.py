"""/api/alliances/: list and detail for everyone, create for staff, members for admins and
staff of the region; bad input is a 400 in Chinese, outsiders get 403 or 404."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Alliance, Membership, Organization, User
from tests.accounts.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db

CHINESE = range(0x4E00, 0xA000)


def _chinese(messages: Any) -> bool:
    return any(ord(ch) in CHINESE for ch in str(messages))


def api_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def candidate(db: None) -> Organization:
    return OrganizationFactory(name="戊高分子材料有限公司", region_code="370100")


@pytest.fixture
def alliance_admin(alliance: Alliance, org_m: Organization) -> User:
    user = member("adam", org_m, Membership.Role.RESEARCHER)
    alliance.admins.add(user)
    return user


def test_the_list_is_a_page_of_alliances(alliance: Alliance) -> None:
    body = api_for(None).get("/api/alliances/").json()

    assert body["count"] == 1
    assert body["results"][0] | {"id": alliance.pk} == {
        "id": alliance.pk,
        "name": alliance.name,
        "kind": "alliance",
        "kind_display": "产业技术创新联盟",
        "region_code": "370100",
        "region_name": alliance.region_name,
        "website": "",
        "is_active": True,
        "member_count": 2,
    }


def test_the_detail_has_members_postings_and_figures(
    alliance: Alliance, org_m: Organization, mia: User, charlie: User, shared_need: Any
) -> None:
    as_member = api_for(mia).get(f"/api/alliances/{alliance.pk}/").json()
    as_outsider = api_for(charlie).get(f"/api/alliances/{alliance.pk}/").json()

    lead = as_member["members"][0]
    assert (lead["organization"]["id"], lead["role"], lead["role_display"]) == (
        org_m.pk,
        "lead",
        "理事长单位",
    )
    assert [n["id"] for n in as_member["needs"]] == [shared_need.pk]
    assert as_outsider["needs"] == []
    assert as_member["is_member"] is True
    assert as_outsider["is_member"] is False
    assert as_member["stats"]["pairs"] == 0
    assert {row["stage"] for row in as_member["stats"]["by_stage"]} >= {"signed", "landed"}


def test_only_staff_create_alliances(staff: User, alice: User) -> None:
    body = {"name": "济南市智能制造联合体", "kind": "league", "region_code": "370100"}

    assert api_for(None).post("/api/alliances/", body, format="json").status_code in (401, 403)
    refused = api_for(alice).post("/api/alliances/", body, format="json")
    assert refused.status_code == 403
    assert _chinese(refused.json())
    created = api_for(staff).post("/api/alliances/", body, format="json")

    assert created.status_code == 201
    assert created.json()["kind_display"] == "联合体"
    assert created.json()["members"] == []
    assert Alliance.objects.get().created_by == staff


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "山东省新材料产业技术创新联盟"}, "name"),
        ({"region_code": "999999"}, "region_code"),
        ({"region_code": "150100"}, "region_code"),
        ({"kind": "club"}, "kind"),
        ({"website": "不是网址"}, "website"),
        ({"description": "<b>联盟</b>"}, "description"),
    ],
)
def test_bad_alliance_input_is_a_400_in_chinese_and_saves_nothing(
    staff: User, alliance: Alliance, changes: dict[str, Any], field: str
) -> None:
    body = {"name": "济南市智能制造联合体", "region_code": "370100", **changes}

    response = api_for(staff).post("/api/alliances/", body, format="json")

    assert response.status_code == 400
    assert _chinese(response.json()[field])
    assert Alliance.objects.count() == 1


@pytest.mark.parametrize("persona", ["alliance_admin", "staff"])
def test_admins_and_staff_add_and_remove_members(
    request: Any, alliance: Alliance, candidate: Organization, persona: str
) -> None:
    api = api_for(request.getfixturevalue(persona))
    url = f"/api/alliances/{alliance.pk}/members/"

    added = api.post(url, {"organization_name": candidate.name, "role": "member"}, format="json")
    assert added.status_code == 201
    assert added.json()["organization"] == {"id": candidate.pk, "name": candidate.name}
    twice = api.post(url, {"organization": candidate.pk}, format="json")
    assert twice.status_code == 409
    assert "已是联盟成员" in str(twice.json())

    assert api.delete(f"{url}?organization={candidate.pk}").status_code == 204
    assert not alliance.memberships.filter(organization=candidate).exists()
    again = api.delete(f"{url}?organization={candidate.pk}")
    assert again.status_code == 400
    assert "不是联盟成员" in str(again.json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "organization"),
        ({"organization": 999999}, "organization"),
        ({"organization": "甲"}, "organization"),
        ({"organization_name": "不存在的机构"}, "organization_name"),
        ({"organization": "__candidate__", "role": "chair"}, "role"),
    ],
)
def test_bad_member_input_is_a_400_in_chinese(
    staff: User, alliance: Alliance, candidate: Organization, body: dict[str, Any], field: str
) -> None:
    if body.get("organization") == "__candidate__":
        body = {**body, "organization": candidate.pk}

    response = api_for(staff).post(f"/api/alliances/{alliance.pk}/members/", body, format="json")

    assert response.status_code == 400
    assert _chinese(response.json()[field])
    assert alliance.memberships.count() == 2


def test_an_unverified_organisation_cannot_join(staff: User, alliance: Alliance) -> None:
    pending = OrganizationFactory(name="待认证的公司", is_verified=False)

    response = api_for(staff).post(
        f"/api/alliances/{alliance.pk}/members/", {"organization": pending.pk}, format="json"
    )

    assert response.status_code == 400
    assert "只能添加已认证的机构。" in str(response.json())


@pytest.mark.parametrize("persona", ["charlie", "mia", "other_staff"])
def test_outsiders_get_403_on_members_and_edits(
    request: Any, alliance: Alliance, candidate: Organization, org_a: Organization, persona: str
) -> None:
    api = api_for(request.getfixturevalue(persona))
    url = f"/api/alliances/{alliance.pk}/members/"

    assert api.post(url, {"organization": candidate.pk}, format="json").status_code == 403
    assert api.delete(f"{url}?organization={org_a.pk}").status_code == 403
    patch = api.patch(f"/api/alliances/{alliance.pk}/", {"description": "改"}, format="json")
    assert patch.status_code == 403
    assert alliance.memberships.count() == 2


def test_an_inactive_alliance_is_a_404_for_outsiders(
    alliance: Alliance, charlie: User, candidate: Organization
) -> None:
    Alliance.objects.filter(pk=alliance.pk).update(is_active=False)
    api = api_for(charlie)

    assert api.get(f"/api/alliances/{alliance.pk}/").status_code == 404
    members = api.post(
        f"/api/alliances/{alliance.pk}/members/", {"organization": candidate.pk}, format="json"
    )
    assert members.status_code == 404


def test_an_admin_edits_the_description(alliance: Alliance, alliance_admin: User) -> None:
    response = api_for(alliance_admin).patch(
        f"/api/alliances/{alliance.pk}/", {"description": "每年举办一次年会。"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["description"] == "每年举办一次年会。"


def test_the_schema_documents_the_requests_and_responses(staff: User) -> None:
    schema = api_for(staff).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]

    listing = paths["/api/alliances/"]
    assert "AllianceCreateInput" in str(listing["post"]["requestBody"])
    assert "PaginatedAllianceOutputList" in str(listing["get"]["responses"]["200"])
    detail = paths["/api/alliances/{id}/"]
    assert "AllianceDetailOutput" in str(detail["get"]["responses"]["200"])
    assert "AllianceUpdateInput" in str(detail["patch"]["requestBody"])
    members = paths["/api/alliances/{id}/members/"]
    assert "AllianceMemberInput" in str(members["post"]["requestBody"])
    assert "AllianceMemberOutput" in str(members["post"]["responses"]["201"])
    assert "delete" in members
    components = schema["components"]["schemas"]
    assert "members_first" in components["NeedOutput"]["properties"] or any(
        "members_first" in str(c.get("properties", {})) for c in components.values()
    )
