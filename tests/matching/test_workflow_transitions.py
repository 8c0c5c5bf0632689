"""The transition table: staff make every move it allows, and each kind of forbidden move
is refused with nothing changed.

The allowed moves are read from matching.pairs.services.TRANSITIONS, so a move added to the
table is exercised at once; each refusal below goes through a different guard.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from matching.models import Match, MatchCase, MatchSide, MatchStatus, MatchTransition
from matching.pairs import parties
from matching.pairs import services as workflow
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus


def _at(match: Match, status: str) -> Match:
    Match.objects.filter(pk=match.pk).update(status=status)
    MatchCase.objects.get_or_create(match=match)
    match.refresh_from_db()
    return match


def _fields(stage: str) -> dict[str, Any]:
    today = timezone.localdate()
    if stage == S.SIGNED:
        return {
            "contract_amount": "50.5",
            "contract_date": today,
            "contract_type": "development",
        }
    if stage == S.LANDED:
        return {"landed_summary": "投产", "landed_date": today}
    if stage in workflow.REASON_REQUIRED:
        return {"note": "原因"}
    return {}


def _refused_with_nothing_changed(match: Match, frm: str) -> None:
    match.refresh_from_db()
    assert match.status == frm
    assert not MatchTransition.objects.filter(match=match).exists()


def test_the_table_only_names_known_stages() -> None:
    for frm, to in workflow.TRANSITIONS:
        assert frm in S.values
        assert to in S.values
        assert frm not in workflow.FINAL_STAGES


def test_staff_can_make_every_move_the_table_allows(match: Match, staff: User) -> None:
    staff_moves = [move for move, roles in workflow.TRANSITIONS.items() if parties.STAFF in roles]
    for frm, to in staff_moves:
        MatchTransition.objects.filter(match=match).delete()
        _at(match, frm)
        if (frm, to) == (S.SUGGESTED, S.APPROVED):
            workflow.match_approve(match_id=match.pk, user=staff)
        elif (frm, to) == (S.SUGGESTED, S.REJECTED):
            workflow.match_reject(match_id=match.pk, user=staff, reason_code="irrelevant")
        else:
            workflow.match_advance(match_id=match.pk, user=staff, stage=to, **_fields(to))
        match.refresh_from_db()
        assert match.status == to, (frm, to)
        record = MatchTransition.objects.get(match=match)
        assert (record.from_status, record.to_status, record.by) == (frm, to, staff)


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        pytest.param(S.APPROVED, S.SIGNED, id="skipping-stages"),
        pytest.param(S.CONTACTED, "finished", id="an-unknown-stage"),
    ],
)
def test_staff_cannot_make_a_move_the_table_lacks(
    match: Match, staff: User, frm: str, to: str
) -> None:
    _at(match, frm)
    with pytest.raises(ValidationError) as err:
        workflow.match_advance(match_id=match.pk, user=staff, stage=to, **_fields(to))
    assert "stage" in err.value.message_dict
    _refused_with_nothing_changed(match, frm)


@pytest.mark.parametrize("to", [S.APPROVED, S.REJECTED])
def test_a_suggestion_is_decided_only_through_approve_or_reject(
    match: Match, staff: User, to: str
) -> None:
    with pytest.raises(ValidationError) as err:
        workflow.match_advance(match_id=match.pk, user=staff, stage=to, note="原因")
    assert "请使用" in err.value.message_dict["stage"][0]
    _refused_with_nothing_changed(match, S.SUGGESTED)


def test_a_move_that_needs_a_reason_is_refused_without_one(match: Match, staff: User) -> None:
    _at(match, S.NEGOTIATING)
    with pytest.raises(ValidationError) as err:
        workflow.match_advance(match_id=match.pk, user=staff, stage=S.DECLINED, note=" ")
    assert "note" in err.value.message_dict
    _refused_with_nothing_changed(match, S.NEGOTIATING)


def test_parties_never_advance_a_pair_even_where_they_may_answer(
    match: Match, alice: User, rita: User
) -> None:
    _at(match, S.APPROVED)
    for party in (alice, rita):
        with pytest.raises(PermissionDenied):
            workflow.match_advance(match_id=match.pk, user=party, stage=S.CONTACTED)
    _refused_with_nothing_changed(match, S.APPROVED)


def test_staff_of_another_city_cannot_move_a_pair(match: Match, qd_staff: User) -> None:
    _at(match, S.CONTACTED)
    with pytest.raises(PermissionDenied):
        workflow.match_advance(match_id=match.pk, user=qd_staff, stage=S.NEGOTIATING)
    _refused_with_nothing_changed(match, S.CONTACTED)


def test_both_sides_accepting_an_approved_pair_moves_it_to_contacted(
    match: Match, alice: User, rita: User
) -> None:
    """The party moves of the table (approved → contacted / declined) are made by answers."""
    party_moves = {
        to for (_frm, to), roles in workflow.TRANSITIONS.items() if parties.PARTY in roles
    }
    assert party_moves == {S.CONTACTED, S.DECLINED}
    _at(match, S.APPROVED)
    workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    workflow.match_respond(match_id=match.pk, user=rita, accept=True)
    match.refresh_from_db()
    assert match.status == S.CONTACTED
    record = MatchTransition.objects.get(match=match)
    assert (record.from_status, record.to_status, record.by) == (S.APPROVED, S.CONTACTED, rita)


@pytest.mark.parametrize("status", [S.SUGGESTED, S.NEGOTIATING])
def test_parties_cannot_answer_a_pair_that_is_not_waiting_for_answers(
    match: Match, alice: User, status: str
) -> None:
    _at(match, status)
    with pytest.raises(ValidationError) as err:
        workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    assert "不能答复" in err.value.messages[0]
    _refused_with_nothing_changed(match, status)
    assert not match.responses.exists()


def test_a_party_decline_is_recorded(match: Match, rita: User) -> None:
    _at(match, S.APPROVED)
    workflow.match_respond(match_id=match.pk, user=rita, accept=False, reason="无意向")
    record = MatchTransition.objects.get(match=match)
    assert (record.from_status, record.to_status) == (S.APPROVED, S.DECLINED)
    assert "无意向" in record.note
    assert match.responses.get().side == MatchSide.OFFER
