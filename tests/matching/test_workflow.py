"""Review, brokered contact and the pipeline services (matching.pairs.services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from matching.models import (
    Match,
    MatchCase,
    MatchDecision,
    MatchSide,
    MatchStatus,
    MatchTransition,
    PairKind,
    RejectReason,
)
from matching.pairs import services as workflow
from matching.pairs.selectors import pair_contacts_visible
from portal.access import can_see_contact, hidden_fields
from portal.models import Need, PostingStatus, Result
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus


def _approve_and_accept(match: Match, staff: User, alice: User, rita: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    workflow.match_respond(match_id=match.pk, user=rita, accept=True)


def test_approving_notifies_both_sides_once(
    match: Match,
    staff: User,
    alice: User,
    bob: User,
    rita: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        workflow.match_approve(match_id=match.pk, user=staff)
    match.refresh_from_db()
    assert match.status == S.APPROVED
    assert match.decided_by == staff
    recipients = set(
        Notification.objects.filter(event_key=f"match:{match.pk}:approved").values_list(
            "user__username", flat=True
        )
    )
    # alice created the need, bob is in her organisation, rita listed the result.
    assert recipients == {"alice", "bob", "rita"}
    assert "staff" not in recipients
    assert len(mail.outbox) == 3
    assert "注塑件表面缩痕问题" in mail.outbox[0].subject


def test_a_second_approval_is_refused_and_tells_nobody_again(
    match: Match, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    before = Notification.objects.count()
    transitions = MatchTransition.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as err:
        workflow.match_approve(match_id=match.pk, user=staff)
    assert err.value.code == "conflict"
    assert Notification.objects.count() == before
    assert MatchTransition.objects.count() == transitions
    assert mail.outbox == []


def test_a_rejected_pair_cannot_be_approved_afterwards(match: Match, staff: User) -> None:
    workflow.match_reject(match_id=match.pk, user=staff, reason_code=RejectReason.IRRELEVANT)
    with pytest.raises(ValidationError) as err:
        workflow.match_approve(match_id=match.pk, user=staff)
    assert err.value.code == "conflict"
    assert "已否决" in err.value.messages[0]
    match.refresh_from_db()
    assert match.status == S.REJECTED
    assert not MatchCase.objects.filter(match=match).exists()
    assert Notification.objects.count() == 0


def test_an_approved_pair_cannot_be_rejected_afterwards(match: Match, staff: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    with pytest.raises(ValidationError) as err:
        workflow.match_reject(match_id=match.pk, user=staff, reason_code=RejectReason.BUDGET)
    assert err.value.code == "conflict"
    match.refresh_from_db()
    assert match.status == S.APPROVED
    assert list(match.decisions.values_list("approved", flat=True)) == [True]


def test_rejecting_needs_a_reason_from_the_list(match: Match, staff: User) -> None:
    with pytest.raises(ValidationError) as err:
        workflow.match_reject(match_id=match.pk, user=staff, reason_code="bogus")
    assert "reason_code" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        workflow.match_reject(match_id=match.pk, user=staff, reason_code=RejectReason.OTHER)
    assert "reason_text" in err.value.message_dict
    match.refresh_from_db()
    assert match.status == S.SUGGESTED


def test_every_decision_is_kept_as_a_labelled_example(
    match: Match, expert_match: Match, staff: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    workflow.match_reject(
        match_id=expert_match.pk,
        user=staff,
        reason_code=RejectReason.MATURITY,
        reason_text="尚在实验室阶段",
    )
    approved = MatchDecision.objects.get(match=match)
    rejected = MatchDecision.objects.get(match=expert_match)
    assert approved.approved
    assert approved.score == pytest.approx(0.8)
    assert approved.rank == 1  # the best place the pair had in any list
    assert not rejected.approved
    assert rejected.reason_code == RejectReason.MATURITY
    assert rejected.reason_text == "尚在实验室阶段"
    assert rejected.kind == PairKind.NEED_EXPERT
    assert MatchTransition.objects.get(match=expert_match).note == "成熟度不符：尚在实验室阶段"


def test_parties_cannot_approve(match: Match, alice: User) -> None:
    with pytest.raises(PermissionDenied):
        workflow.match_approve(match_id=match.pk, user=alice)
    match.refresh_from_db()
    assert match.status == S.SUGGESTED


def _visible(user: User, match: Match) -> bool:
    pair = Match.objects.select_related("need", "result", "expert", "case").get(pk=match.pk)
    return pair_contacts_visible(user=user, match=pair)


def test_contacts_show_inside_the_pair_once_both_sides_accepted(
    match: Match, staff: User, alice: User, rita: User, charlie: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    assert not _visible(alice, match)
    assert not _visible(rita, match)

    workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    assert not _visible(alice, match)
    assert not _visible(rita, match)

    workflow.match_respond(match_id=match.pk, user=rita, accept=True)
    assert _visible(alice, match)
    assert _visible(rita, match)
    assert _visible(staff, match)
    assert not _visible(charlie, match)
    match.refresh_from_db()
    assert match.status == S.CONTACTED
    assert match.case.contacts_shared_at is not None
    keys = set(Notification.objects.values_list("event_key", flat=True))
    assert f"match:{match.pk}:contacts" in keys


def test_the_other_side_never_sees_contacts_on_the_postings_own_pages(
    match: Match, staff: User, alice: User, rita: User
) -> None:
    _approve_and_accept(match, staff, alice, rita)
    need, result = match.need, match.result
    assert result is not None
    assert not can_see_contact(rita, need)
    assert not can_see_contact(alice, result)
    assert "contact_phone" in hidden_fields(rita, need)
    assert can_see_contact(alice, need)
    assert can_see_contact(staff, need)


def test_a_colleague_sees_the_contacts_only_as_the_organisations_contact_person(
    match: Match, staff: User, alice: User, bob: User, rita: User
) -> None:
    _approve_and_accept(match, staff, alice, rita)
    # bob is in alice's organisation but not named on the pair
    assert not _visible(bob, match)
    bob.phone = "13900000009"
    bob.save(update_fields=["phone"])
    org = match.need.organization
    org.contact_phone = bob.phone
    org.save(update_fields=["contact_phone"])
    assert _visible(bob, match)


def test_contacts_are_hidden_again_once_the_pair_is_closed(
    match: Match, staff: User, alice: User, rita: User
) -> None:
    _approve_and_accept(match, staff, alice, rita)
    assert _visible(alice, match)
    workflow.match_advance(match_id=match.pk, user=staff, stage=S.CLOSED, note="企业经营调整")
    assert not _visible(alice, match)
    assert not _visible(rita, match)


def test_a_decline_needs_a_reason_and_ends_the_pair(match: Match, staff: User, rita: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    with pytest.raises(ValidationError) as err:
        workflow.match_respond(match_id=match.pk, user=rita, accept=False)
    assert "reason" in err.value.message_dict
    workflow.match_respond(match_id=match.pk, user=rita, accept=False, reason="团队人手不足")
    match.refresh_from_db()
    assert match.status == S.DECLINED
    # The responsible staff member hears of it.
    assert Notification.objects.filter(user=staff, event_key__contains="response").exists()


def test_answers_cannot_be_changed_but_repeating_them_is_harmless(
    match: Match, staff: User, alice: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    first = workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    again = workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    assert first.pk == again.pk
    with pytest.raises(ValidationError):
        workflow.match_respond(match_id=match.pk, user=alice, accept=False, reason="改主意")


def test_outsiders_cannot_respond(match: Match, staff: User, charlie: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    with pytest.raises(PermissionDenied):
        workflow.match_respond(match_id=match.pk, user=charlie, accept=True)


def test_a_suggested_pair_cannot_be_answered(match: Match, alice: User) -> None:
    with pytest.raises(ValidationError):
        workflow.match_respond(match_id=match.pk, user=alice, accept=True)


def test_staff_may_record_an_answer_for_a_side(
    expert_match: Match, staff: User, alice: User
) -> None:
    workflow.match_approve(match_id=expert_match.pk, user=staff)
    workflow.match_respond(match_id=expert_match.pk, user=staff, accept=True, side=MatchSide.OFFER)
    workflow.match_respond(match_id=expert_match.pk, user=alice, accept=True)
    expert_match.refresh_from_db()
    assert expert_match.status == S.CONTACTED
    with pytest.raises(ValidationError):
        workflow.match_respond(match_id=expert_match.pk, user=staff, accept=True)


def test_signing_checks_amount_and_date(match: Match, staff: User, alice: User, rita: User) -> None:
    _approve_and_accept(match, staff, alice, rita)
    workflow.match_advance(match_id=match.pk, user=staff, stage=S.INTENTION)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        workflow.match_advance(
            match_id=match.pk,
            user=staff,
            stage=S.SIGNED,
            contract_amount=Decimal("-1"),
            contract_date=today,
            contract_type="development",
        )
    assert "contract_amount" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        workflow.match_advance(
            match_id=match.pk,
            user=staff,
            stage=S.SIGNED,
            contract_amount=Decimal("10"),
            contract_date=today - dt.timedelta(days=3),
            contract_type="development",
        )
    assert "contract_date" in err.value.message_dict
    match.refresh_from_db()
    assert match.status == S.INTENTION
    workflow.match_advance(
        match_id=match.pk,
        user=staff,
        stage=S.SIGNED,
        contract_amount=Decimal("0"),
        contract_date=today,
        contract_type="license",
        contract_reg_no="2026370100000123",
    )
    case = MatchCase.objects.get(match=match)
    assert case.contract_amount == Decimal("0")
    assert case.contract_reg_no == "2026370100000123"
    workflow.match_advance(
        match_id=match.pk,
        user=staff,
        stage=S.LANDED,
        landed_summary="建成示范生产线一条",
        landed_date=today,
    )
    match.refresh_from_db()
    assert match.status == S.LANDED
    history = list(match.transitions.values_list("from_status", "to_status"))
    assert history == [
        (S.SUGGESTED, S.APPROVED),
        (S.APPROVED, S.CONTACTED),
        (S.CONTACTED, S.INTENTION),
        (S.INTENTION, S.SIGNED),
        (S.SIGNED, S.LANDED),
    ]


def test_closing_needs_a_reason(match: Match, staff: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    with pytest.raises(ValidationError) as err:
        workflow.match_advance(match_id=match.pk, user=staff, stage=S.CLOSED)
    assert "note" in err.value.message_dict
    workflow.match_advance(match_id=match.pk, user=staff, stage=S.CLOSED, note="企业经营调整")
    assert MatchCase.objects.get(match=match).closed_reason == "企业经营调整"


def test_staff_add_a_manual_pair_approved_at_once(need: Need, result: Result, staff: User) -> None:
    match = workflow.match_create_manual(
        user=staff, need_id=need.pk, result_id=result.pk, note="对接会上现场提出"
    )
    assert match.status == S.APPROVED
    assert match.explanation["manual"] is True
    assert MatchCase.objects.get(match=match).is_manual
    assert Notification.objects.filter(event_key=f"match:{match.pk}:approved").count() == 2
    with pytest.raises(ValidationError):
        workflow.match_create_manual(user=staff, need_id=need.pk, result_id=result.pk)


def test_manual_pairs_need_published_postings_and_one_counterpart(
    need: Need, result: Result, expert: Any, staff: User, alice: User
) -> None:
    with pytest.raises(ValidationError):
        workflow.match_create_manual(
            user=staff, need_id=need.pk, result_id=result.pk, expert_id=expert.pk
        )
    with pytest.raises(PermissionDenied):
        workflow.match_create_manual(user=alice, need_id=need.pk, result_id=result.pk)
    Result.objects.filter(pk=result.pk).update(status=PostingStatus.SUBMITTED)
    with pytest.raises(ValidationError):
        workflow.match_create_manual(user=staff, need_id=need.pk, result_id=result.pk)


def test_bulk_decisions_refuse_pairs_outside_the_jurisdiction(
    match: Match, expert_match: Match, qd_match: Match, staff: User
) -> None:
    outcome = workflow.match_bulk_decide(
        match_ids=[match.pk, expert_match.pk, qd_match.pk], user=staff, approve=True
    )
    assert (outcome.changed, outcome.unchanged, outcome.refused) == (2, 0, 1)
    qd_match.refresh_from_db()
    assert qd_match.status == S.SUGGESTED
    outcome = workflow.match_bulk_decide(
        match_ids=[match.pk], user=staff, approve=False, reason_code=RejectReason.BUDGET
    )
    assert (outcome.changed, outcome.unchanged) == (0, 1)


def test_a_pair_shown_in_both_sides_lists_is_queued_once_and_leaves_on_approval(
    match: Match, staff: User, staff_client: Any
) -> None:
    assert match.recommendations.count() == 2  # the need's list and the result's list
    queue = reverse("matching:review-queue")
    assert list(staff_client.get(queue).context["page"]) == [match]
    workflow.match_approve(match_id=match.pk, user=staff)
    assert list(staff_client.get(queue).context["page"]) == []
