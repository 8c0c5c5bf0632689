"""Every move of the transition table, allowed and forbidden, for every role.

Generated from matching.pairs.services.TRANSITIONS so a change to the table is tested at once.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from matching.models import Match, MatchCase, MatchSide, MatchStatus, MatchTransition
from matching.pairs import services as workflow
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus
ALL_MOVES = list(itertools.product(S.values, S.values))
DECISIONS = {(S.SUGGESTED, S.APPROVED), (S.SUGGESTED, S.REJECTED)}


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


def _staff_may(frm: str, to: str) -> bool:
    return workflow.STAFF in workflow.TRANSITIONS.get((frm, to), frozenset())


def test_the_table_only_names_known_stages() -> None:
    for frm, to in workflow.TRANSITIONS:
        assert frm in S.values
        assert to in S.values
        assert frm not in workflow.FINAL_STAGES


@pytest.mark.parametrize(("frm", "to"), ALL_MOVES)
def test_staff_moves_follow_the_table(match: Match, staff: User, frm: str, to: str) -> None:
    _at(match, frm)
    allowed = _staff_may(frm, to)
    if (frm, to) in DECISIONS:
        if to == S.APPROVED:
            workflow.match_approve(match_id=match.pk, user=staff)
        else:
            workflow.match_reject(match_id=match.pk, user=staff, reason_code="irrelevant")
    elif allowed:
        workflow.match_advance(match_id=match.pk, user=staff, stage=to, **_fields(to))
    else:
        with pytest.raises(ValidationError) as err:
            workflow.match_advance(match_id=match.pk, user=staff, stage=to, **_fields(to))
        assert "stage" in err.value.message_dict
        match.refresh_from_db()
        assert match.status == frm
        assert not MatchTransition.objects.filter(match=match).exists()
        return
    match.refresh_from_db()
    assert match.status == to
    record = MatchTransition.objects.get(match=match)
    assert (record.from_status, record.to_status, record.by) == (frm, to, staff)


@pytest.mark.parametrize(("frm", "to"), ALL_MOVES)
def test_parties_never_advance_a_pair(match: Match, alice: User, frm: str, to: str) -> None:
    _at(match, frm)
    with pytest.raises(PermissionDenied):
        workflow.match_advance(match_id=match.pk, user=alice, stage=to, **_fields(to))
    match.refresh_from_db()
    assert match.status == frm
    assert not MatchTransition.objects.filter(match=match).exists()


@pytest.mark.parametrize(("frm", "to"), ALL_MOVES)
def test_staff_of_another_city_cannot_move_a_pair(
    match: Match, qd_staff: User, frm: str, to: str
) -> None:
    _at(match, frm)
    with pytest.raises(PermissionDenied):
        workflow.match_advance(match_id=match.pk, user=qd_staff, stage=to, **_fields(to))
    match.refresh_from_db()
    assert match.status == frm


PARTY_MOVES = [
    (frm, to) for (frm, to), roles in workflow.TRANSITIONS.items() if workflow.PARTY in roles
]


@pytest.mark.parametrize("status", S.values)
def test_parties_answer_only_approved_pairs(
    match: Match, alice: User, rita: User, status: str
) -> None:
    """The party moves of the table (approved → contacted / declined) are made by answers."""
    _at(match, status)
    if status != S.APPROVED:
        with pytest.raises(ValidationError):
            workflow.match_respond(match_id=match.pk, user=alice, accept=True)
        match.refresh_from_db()
        assert match.status == status
        return
    assert {to for _frm, to in PARTY_MOVES} == {S.CONTACTED, S.DECLINED}
    workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    workflow.match_respond(match_id=match.pk, user=rita, accept=True)
    match.refresh_from_db()
    assert match.status == S.CONTACTED
    record = MatchTransition.objects.get(match=match)
    assert (record.from_status, record.to_status, record.by) == (S.APPROVED, S.CONTACTED, rita)


def test_a_party_decline_is_recorded(match: Match, rita: User) -> None:
    _at(match, S.APPROVED)
    workflow.match_respond(match_id=match.pk, user=rita, accept=False, reason="无意向")
    record = MatchTransition.objects.get(match=match)
    assert (record.from_status, record.to_status) == (S.APPROVED, S.DECLINED)
    assert "无意向" in record.note
    assert match.responses.get().side == MatchSide.OFFER
