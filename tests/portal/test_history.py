"""Change history: who changed a posting, an organisation or a role, and only staff see it."""

from __future__ import annotations

import pytest

from accounts.models import Membership, Organization, User
from accounts.services import membership_set_role, organization_verify
from portal.models import Need, PostingStatus
from tests.accounts.factories import OrganizationFactory, member
from tests.portal.conftest import client_for, need_form
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db


def _edited_need(alice: User) -> Need:
    client = client_for(alice)
    client.post("/needs/new/", need_form())
    need = Need.objects.get()
    response = client.post(f"/needs/{need.pk}/edit/", need_form(title="改后的名称"))
    assert response.status_code == 302
    return need


def test_editing_a_need_on_its_page_records_who_and_what(alice: User) -> None:
    need = _edited_need(alice)

    latest = need.history.order_by("-history_date", "-history_id").first()
    previous = latest.prev_record
    changed = {
        change.field: (change.old, change.new) for change in latest.diff_against(previous).changes
    }

    assert latest.history_user == alice
    assert changed["title"] == ("汽车保险杠低温开裂", "改后的名称")


def test_staff_see_the_changes_on_the_need_page(alice: User, staff: User) -> None:
    need = _edited_need(alice)
    Need.objects.filter(pk=need.pk).update(status=PostingStatus.SUBMITTED)

    html = client_for(staff).get(f"/needs/{need.pk}/").content.decode()

    assert "修改记录" in html
    assert "需求名称" in html
    assert "汽车保险杠低温开裂 → 改后的名称" in html
    assert str(alice) in html


def test_the_owner_enterprise_does_not_see_the_history(alice: User) -> None:
    need = _edited_need(alice)

    response = client_for(alice).get(f"/needs/{need.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "修改记录" not in html
    assert "汽车保险杠低温开裂 →" not in html


def test_staff_of_another_region_do_not_see_changes_to_confidential_fields(
    org_a: Organization, alice: User
) -> None:
    need = NeedFactory(
        organization=org_a,
        created_by=alice,
        status=PostingStatus.PUBLISHED,
        confidential_fields=["budget"],
        budget_min=50,
    )
    need.budget_min = 80
    need.title = "公开的新名称"
    need.save()
    bureau = OrganizationFactory(
        name="呼和浩特市科学技术局", org_type="bureau", region_code="150100"
    )
    olga = member("olga", bureau, Membership.Role.STAFF)

    html = client_for(olga).get(f"/needs/{need.pk}/").content.decode()

    assert "修改记录" in html
    assert "公开的新名称" in html
    assert "预算下限" not in html
    assert "保密字段" not in html


def test_verifying_an_organisation_is_recorded_and_shown_to_staff(alice: User, staff: User) -> None:
    org_a = OrganizationFactory(name="待认证企业", is_verified=False)
    organization_verify(organization=org_a, by=staff)

    latest = org_a.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == staff
    assert latest.is_verified is True
    staff_html = client_for(staff).get(f"/accounts/organizations/{org_a.pk}/").content.decode()
    alice_html = client_for(alice).get(f"/accounts/organizations/{org_a.pk}/").content.decode()
    assert "已认证</span>：否 → 是" in staff_html
    assert "修改记录" not in alice_html


def test_changing_a_role_is_recorded_with_who_changed_it(alice: User, bureau: Organization) -> None:
    admin = member("root", bureau, Membership.Role.ADMIN)
    membership = alice.memberships.get()

    membership_set_role(membership=membership, role=Membership.Role.RESEARCHER, by=admin)

    latest = membership.history.order_by("-history_date", "-history_id").first()
    delta = latest.diff_against(latest.prev_record)
    assert latest.history_user == admin
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("role", Membership.Role.ENTERPRISE, Membership.Role.RESEARCHER)
    ]


def test_only_administrators_may_change_a_role(alice: User, staff: User) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        membership_set_role(
            membership=alice.memberships.get(), role=Membership.Role.ADMIN, by=staff
        )


def test_the_user_history_keeps_no_password(alice: User) -> None:
    alice.set_password("another-pass-456")
    alice.is_active = False
    alice.save()

    latest = alice.history.order_by("-history_date", "-history_id").first()

    assert latest.is_active is False
    assert not hasattr(latest, "password")
