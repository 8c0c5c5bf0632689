"""Review, brokered contact and the pipeline services (matching.workflow)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notification, User
from matching.models import (
    Match,
    MatchCase,
    MatchDecision,
    MatchDirection,
    MatchSide,
    MatchStatus,
    MatchTransition,
    RejectReason,
)
from matching.pairs import services as workflow
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
        _match, changed = workflow.match_approve(match_id=match.pk, user=staff)
    assert changed
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


def test_approving_an_already_decided_pair_changes_nothing_and_sends_nothing(
    match: Match, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    before = Notification.objects.count()
    transitions = MatchTransition.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _match, changed = workflow.match_approve(match_id=match.pk, user=staff)
    assert not changed
    assert Notification.objects.count() == before
    assert MatchTransition.objects.count() == transitions
    assert mail.outbox == []


def test_approving_a_rejected_pair_changes_nothing(match: Match, staff: User) -> None:
    workflow.match_reject(match_id=match.pk, user=staff, reason_code=RejectReason.IRRELEVANT)
    _match, changed = workflow.match_approve(match_id=match.pk, user=staff)
    assert not changed
    match.refresh_from_db()
    assert match.status == S.REJECTED
    assert Notification.objects.count() == 0


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
    assert not rejected.approved
    assert rejected.reason_code == RejectReason.MATURITY
    assert rejected.reason_text == "尚在实验室阶段"
    assert rejected.direction == MatchDirection.NEED_EXPERT
    assert MatchTransition.objects.get(match=expert_match).note == "成熟度不符：尚在实验室阶段"


def test_parties_cannot_approve(match: Match, alice: User) -> None:
    with pytest.raises(PermissionDenied):
        workflow.match_approve(match_id=match.pk, user=alice)
    match.refresh_from_db()
    assert match.status == S.SUGGESTED


def test_contacts_are_revealed_only_when_both_sides_accepted(
    match: Match, staff: User, alice: User, rita: User, charlie: User
) -> None:
    need, result = match.need, match.result
    assert result is not None
    workflow.match_approve(match_id=match.pk, user=staff)
    assert not can_see_contact(rita, need)
    assert not can_see_contact(alice, result)
    assert "contact_phone" in hidden_fields(rita, need)

    workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    assert not can_see_contact(rita, need)
    assert not can_see_contact(alice, result)

    workflow.match_respond(match_id=match.pk, user=rita, accept=True)
    assert can_see_contact(rita, need)
    assert can_see_contact(alice, result)
    assert "contact_phone" not in hidden_fields(rita, need)
    # Outsiders still see nothing.
    assert not can_see_contact(charlie, need)
    assert not can_see_contact(charlie, result)
    match.refresh_from_db()
    assert match.status == S.CONTACTED
    assert match.case.contacts_shared_at is not None
    keys = set(Notification.objects.values_list("event_key", flat=True))
    assert f"match:{match.pk}:contacts" in keys


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


def test_a_manual_pair_takes_over_an_existing_suggestion(match: Match, staff: User) -> None:
    assert match.result_id is not None
    created = workflow.match_create_manual(
        user=staff, need_id=match.need_id, result_id=match.result_id
    )
    assert created.pk == match.pk
    assert Match.objects.count() == 1


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


def test_a_pair_is_decided_once_whatever_its_direction(
    match: Match, staff: User, staff_client: Any
) -> None:
    from django.urls import reverse

    twin = Match.objects.create(
        direction=MatchDirection.RESULT_NEED, need=match.need, result=match.result, score=0.7
    )
    workflow.match_approve(match_id=match.pk, user=staff)
    notices = Notification.objects.count()
    _twin, changed = workflow.match_approve(match_id=twin.pk, user=staff)
    assert not changed
    assert Notification.objects.count() == notices
    queue = staff_client.get(reverse("matching:review-queue"))
    assert list(queue.context["page"]) == []
