"""Alliance pages: members, their postings as the viewer may see them, their pairs'
figures; admins and staff of the region manage members, everyone else only reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from accounts.models import Alliance, AllianceMembership, Membership, Organization, User
from matching.models import MatchCase, MatchStatus
from portal.alliances import selectors
from tests.accounts.factories import OrganizationFactory, member
from tests.alliances.conftest import client_for
from tests.matching.factories import MatchFactory
from tests.portal.factories import NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_need(org_m: Organization) -> Any:
    return NeedFactory(title="生物基可降解地膜配方优化", organization=org_m)


@pytest.fixture
def outsider_need(org_b: Organization) -> Any:
    return NeedFactory(title="乙企业的非成员需求", organization=org_b)


def _page(user: User | None, alliance: Alliance) -> str:
    response = client_for(user).get(f"/alliances/{alliance.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_active_alliances_to_everyone(alliance: Alliance) -> None:
    Alliance.objects.create(name="已停用的联合体", region_code="370100", is_active=False)

    page = client_for(None).get("/alliances/").content.decode()

    assert alliance.name in page
    assert "已停用的联合体" not in page
    assert "2 家成员单位" in page


def test_the_page_lists_members_with_links_and_their_postings(
    alliance: Alliance,
    org_a: Organization,
    org_m: Organization,
    public_need: Any,
    outsider_need: Any,
) -> None:
    page = _page(None, alliance)

    assert f'href="/accounts/organizations/{org_a.pk}/"' in page
    assert f'href="/accounts/organizations/{org_m.pk}/"' in page
    assert "理事长单位" in page
    assert public_need.title in page
    assert outsider_need.title not in page
    assert "联盟活动" in page


def test_members_first_postings_show_on_the_page_only_to_members(
    alliance: Alliance, mia: User, charlie: User, shared_need: Any, shared_result: Any
) -> None:
    for user in (mia, charlie, None):
        page = _page(user, alliance)
        shown = shared_need.title in page and shared_result.title in page
        assert shown is (user == mia), user


def test_a_need_of_a_confidential_enterprise_is_not_tied_to_the_alliance(
    alliance: Alliance, org_a: Organization, charlie: User
) -> None:
    need = NeedFactory(
        title="保密企业的需求", organization=org_a, confidential_fields=["organization"]
    )

    assert need.title not in _page(charlie, alliance)


def test_the_figures_count_the_pairs_either_side_of_which_is_a_member(
    alliance: Alliance, org_a: Organization, org_b: Organization, org_m: Organization
) -> None:
    member_need = NeedFactory(organization=org_a)
    outsider_need = NeedFactory(organization=org_b)
    member_result = ResultFactory(organization=org_m)
    outsider_result = ResultFactory(organization=org_b)
    signed = MatchFactory(need=member_need, result=outsider_result, status=MatchStatus.SIGNED)
    MatchCase.objects.create(match=signed, contract_amount=Decimal("120.50"))
    landed = MatchFactory(need=outsider_need, result=member_result, status=MatchStatus.LANDED)
    MatchCase.objects.create(match=landed, contract_amount=Decimal("30"))
    MatchFactory(need=member_need, result=member_result, status=MatchStatus.NEGOTIATING)
    MatchFactory(need=outsider_need, result=outsider_result, status=MatchStatus.SIGNED)

    stats = selectors.alliance_stats(alliance=alliance)
    page = _page(None, alliance)

    assert (stats["pairs"], stats["signed"], stats["contract_value"]) == (3, 2, 150.5)
    by_stage = {row["stage"]: row["count"] for row in stats["by_stage"]}
    assert by_stage[MatchStatus.NEGOTIATING] == 1
    assert by_stage[MatchStatus.LANDED] == 1
    assert '<div class="fs-4" id="contract-value">150.5</div>' in page
    assert '<div class="fs-4" id="signed">2</div>' in page


@pytest.fixture
def candidate(db: None) -> Organization:
    return OrganizationFactory(name="戊高分子材料有限公司", region_code="370100")


@pytest.fixture
def alliance_admin(alliance: Alliance, org_m: Organization) -> User:
    user = member("adam", org_m, Membership.Role.RESEARCHER)
    alliance.admins.add(user)
    return user


@pytest.mark.parametrize("persona", ["alliance_admin", "staff"])
def test_admins_and_staff_of_the_region_add_and_remove_members(
    request: Any, alliance: Alliance, candidate: Organization, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))

    search = client.get(f"/alliances/{alliance.pk}/members/", {"q": "戊高分子"})
    assert candidate.name in search.content.decode()
    added = client.post(
        f"/alliances/{alliance.pk}/members/add/", {"organization": candidate.pk, "role": "member"}
    )
    assert added.status_code == 302
    assert alliance.memberships.filter(organization=candidate).exists()

    again = client.post(
        f"/alliances/{alliance.pk}/members/add/", {"organization": candidate.pk}, follow=True
    )
    assert "已是联盟成员" in again.content.decode()

    removed = client.post(f"/alliances/{alliance.pk}/members/{candidate.pk}/remove/")
    assert removed.status_code == 302
    assert not alliance.memberships.filter(organization=candidate).exists()


@pytest.mark.parametrize("persona", ["charlie", "mia", "other_staff"])
def test_everyone_else_is_refused_the_admin_tools(
    request: Any, alliance: Alliance, candidate: Organization, org_a: Organization, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))

    assert client.get(f"/alliances/{alliance.pk}/members/").status_code == 403
    assert client.get(f"/alliances/{alliance.pk}/edit/").status_code == 403
    add = client.post(f"/alliances/{alliance.pk}/members/add/", {"organization": candidate.pk})
    remove = client.post(f"/alliances/{alliance.pk}/members/{org_a.pk}/remove/")
    assert (add.status_code, remove.status_code) == (403, 403)
    assert client.get("/alliances/new/").status_code == (200 if persona == "other_staff" else 403)
    assert set(alliance.memberships.values_list("organization_id", flat=True)) == {
        org_a.pk,
        AllianceMembership.objects.get(alliance=alliance, role="lead").organization_id,
    }


def test_visitors_are_sent_to_log_in(alliance: Alliance, candidate: Organization) -> None:
    response = client_for(None).post(
        f"/alliances/{alliance.pk}/members/add/", {"organization": candidate.pk}
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not alliance.memberships.filter(organization=candidate).exists()


def test_an_inactive_alliance_is_not_found_by_outsiders(alliance: Alliance, charlie: User) -> None:
    Alliance.objects.filter(pk=alliance.pk).update(is_active=False)

    assert client_for(charlie).get(f"/alliances/{alliance.pk}/").status_code == 404
    assert client_for(None).get(f"/alliances/{alliance.pk}/").status_code == 404


def test_an_admin_edits_the_description(alliance: Alliance, alliance_admin: User) -> None:
    client = client_for(alliance_admin)

    bad = client.post(f"/alliances/{alliance.pk}/edit/", {"description": "<script>x</script>"})
    assert "不能包含 HTML 标签" in bad.content.decode()
    client.post(f"/alliances/{alliance.pk}/edit/", {"description": "每年举办一次年会。"})

    alliance.refresh_from_db()
    assert alliance.description == "每年举办一次年会。"


def test_staff_create_an_alliance_in_their_region(staff: User) -> None:
    client = client_for(staff)
    data = {"name": "济南市智能制造联合体", "kind": "league", "region_code": "370100"}

    outside = client.post("/alliances/new/", {**data, "region_code": "150100"})
    assert "只能在所辖地区内创建联盟。" in outside.content.decode()
    created = client.post("/alliances/new/", data)

    alliance = Alliance.objects.get()
    assert created.status_code == 302
    assert (alliance.name, alliance.kind, alliance.created_by) == (data["name"], "league", staff)
    duplicate = client.post("/alliances/new/", data)
    assert "同名联盟已存在。" in duplicate.content.decode()
    assert Alliance.objects.count() == 1
