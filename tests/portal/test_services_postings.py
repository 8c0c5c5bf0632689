from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal.models import Need, PostingStatus
from portal.services import needs, postings
from tests.portal.conftest import need_data
from tests.portal.factories import ExpertFactory, NeedFactory

pytestmark = pytest.mark.django_db


def test_an_enterprise_user_creates_a_draft_need_for_their_organisation(alice, org_a) -> None:
    need = needs.need_create(by=alice, data=need_data())

    assert need.status == PostingStatus.DRAFT
    assert need.organization == org_a
    assert need.created_by == alice
    assert "低温" in need.search_tokens.split()


def test_a_researcher_may_not_post_a_need(researcher) -> None:
    with pytest.raises(PermissionDenied):
        needs.need_create(by=researcher, data=need_data())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "长" * 201}, "title"),
        ({"description": "字" * 20001}, "description"),
        ({"region_code": "999999"}, "region_code"),
        ({"budget_min": -1}, "budget_min"),
        ({"budget_min": 200, "budget_max": 100}, "budget_max"),
        ({"deadline": date(2000, 1, 1)}, "deadline"),
        ({"title": "<script>alert(1)</script>需求"}, "title"),
        ({"description": "请看 <b>这里</b>"}, "description"),
        ({"fields": []}, "fields"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"confidential_fields": ["salary"]}, "confidential_fields"),
    ],
)
def test_bad_input_gives_a_chinese_field_error_and_saves_nothing(alice, overrides, field) -> None:
    with pytest.raises(ValidationError) as caught:
        needs.need_create(by=alice, data=need_data(**overrides))

    assert field in caught.value.message_dict
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message_dict[field][0])
    assert Need.objects.count() == 0


def test_text_with_a_less_than_sign_but_no_tag_is_accepted(alice) -> None:
    need = needs.need_create(by=alice, data=need_data(description="工作温度 <50℃，压力 a<b"))

    assert need.description.startswith("工作温度")


def test_the_lifecycle_runs_from_draft_to_published_and_tells_the_engine(alice, staff) -> None:
    need = needs.need_create(by=alice, data=need_data())
    with mock.patch("matching.lists.receivers.document_enqueue") as hook:
        need = needs.need_submit(need=need, by=alice)
        assert need.status == PostingStatus.SUBMITTED
        hook.assert_not_called()

        need = needs.need_approve(need=need, by=staff)

    assert need.status == PostingStatus.PUBLISHED
    assert need.published_at is not None
    assert need.last_confirmed_at is not None
    assert need.reviewed_by == staff
    hook.assert_called_once_with(kind="need", pk=need.pk)


def test_only_staff_of_the_region_may_approve(alice, charlie, other_staff) -> None:
    need = needs.need_create(by=alice, data=need_data(), submit=True)

    for user in (alice, charlie, other_staff):
        with pytest.raises(PermissionDenied):
            needs.need_approve(need=need, by=user)


def test_rejecting_needs_a_reason_and_the_owner_sees_it(alice, staff) -> None:
    need = needs.need_create(by=alice, data=need_data(), submit=True)

    with pytest.raises(ValidationError):
        needs.need_reject(need=need, by=staff, reason="  ")
    need = needs.need_reject(need=need, by=staff, reason="请补充预算范围")

    assert need.status == PostingStatus.REJECTED
    assert need.reject_reason == "请补充预算范围"
    resubmitted = needs.need_submit(need=need, by=alice)
    assert resubmitted.status == PostingStatus.SUBMITTED


def test_editing_a_material_field_of_a_published_need_sends_it_back_to_review(alice) -> None:
    need = NeedFactory(organization=alice.organization)
    with mock.patch("matching.lists.receivers.document_enqueue") as hook:
        need = needs.need_update(need=need, by=alice, data={"title": "新的需求名称"})

    assert need.status == PostingStatus.SUBMITTED
    hook.assert_called_once_with(kind="need", pk=need.pk)


def test_editing_contact_details_of_a_published_need_keeps_it_published(alice) -> None:
    need = NeedFactory(organization=alice.organization)
    with mock.patch("matching.lists.receivers.document_enqueue") as hook:
        need = needs.need_update(need=need, by=alice, data={"contact_name": "李工"})

    assert need.status == PostingStatus.PUBLISHED
    assert Need.objects.get(pk=need.pk).contact_name == "李工"
    hook.assert_called_once()


def test_staff_edits_of_a_published_need_do_not_need_review(staff, org_a) -> None:
    need = NeedFactory(organization=org_a)

    need = needs.need_update(need=need, by=staff, data={"title": "科技局修订后的需求名称"})

    assert need.status == PostingStatus.PUBLISHED


def test_other_organisations_may_not_edit(charlie, org_a) -> None:
    need = NeedFactory(organization=org_a)

    with pytest.raises(PermissionDenied):
        needs.need_update(need=need, by=charlie, data={"title": "x"})


def test_closing_a_published_need_withdraws_it_from_matching(alice) -> None:
    need = NeedFactory(organization=alice.organization)
    with mock.patch("matching.lists.receivers.document_enqueue") as hook:
        need = needs.need_close(need=need, by=alice)
        needs.need_close(need=need, by=alice)

    assert need.status == PostingStatus.CLOSED
    hook.assert_called_once_with(kind="need", pk=need.pk)


def test_stale_postings_are_flagged_then_expire_after_the_grace_period(alice, settings) -> None:
    settings.POSTING_RECONFIRM_DAYS = 180
    settings.POSTING_EXPIRE_GRACE_DAYS = 30
    need = NeedFactory(organization=alice.organization)
    start = timezone.now()

    with time_machine.travel(start + timedelta(days=181)):
        assert postings.posting_expire_stale() == {"flagged": 1, "expired": 0}
        assert postings.posting_expire_stale() == {"flagged": 0, "expired": 0}
        need.refresh_from_db()
        assert need.needs_reconfirm
        assert need.reconfirm_requested_at is not None

    with (
        time_machine.travel(start + timedelta(days=212)),
        mock.patch("matching.lists.receivers.document_enqueue") as hook,
    ):
        assert postings.posting_expire_stale()["expired"] == 1
        hook.assert_called_once_with(kind="need", pk=need.pk)
    need.refresh_from_db()
    assert need.status == PostingStatus.EXPIRED


def test_confirming_resets_the_age_of_a_posting(alice) -> None:
    need = NeedFactory(organization=alice.organization)
    start = timezone.now()

    with time_machine.travel(start + timedelta(days=200)):
        postings.posting_expire_stale()
        need = needs.need_confirm(need=need, by=alice)
        assert not need.needs_reconfirm
        assert need.reconfirm_requested_at is None
    with time_machine.travel(start + timedelta(days=240)):
        assert postings.posting_expire_stale()["expired"] == 0


def test_bulk_approve_publishes_only_what_the_staff_may_review(alice, staff) -> None:
    mine = [needs.need_create(by=alice, data=need_data(), submit=True) for _ in range(3)]
    far = NeedFactory(region_code="150100", status=PostingStatus.SUBMITTED)

    count = postings.posting_bulk_approve(
        kind="need", pks=[n.pk for n in mine] + [far.pk], by=staff
    )

    assert count == 3
    far.refresh_from_db()
    assert far.status == PostingStatus.SUBMITTED


def test_an_expert_user_gets_exactly_one_profile(expert_user, new_material) -> None:
    data = {
        "name": "张海峰",
        "title": "professor",
        "region_code": "370100",
        "fields": [new_material],
    }
    profile = postings.posting_create(kind="expert", by=expert_user, data=data)

    assert profile.user == expert_user
    with pytest.raises(ValidationError):
        postings.posting_create(kind="expert", by=expert_user, data=data)


def test_staff_keep_ledger_experts_without_an_account(staff, new_material) -> None:
    data = {
        "name": "李研究员",
        "title": "researcher",
        "region_code": "370100",
        "fields": [new_material],
    }
    profile = postings.posting_create(kind="expert", by=staff, data=data, submit=True)

    assert profile.user is None
    assert profile.organization is None
    assert ExpertFactory._meta.model.objects.filter(pk=profile.pk).exists()
