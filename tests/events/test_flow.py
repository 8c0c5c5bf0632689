"""The story of one meeting: request, accept, schedule, outcome → one pair in the pipeline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from matching.models import Match, MatchStatus, MatchTransition
from portal.events import outcomes, requests, schedule
from portal.events.models import Meeting, MeetingRequest
from tests.events.conftest import World

pytestmark = pytest.mark.django_db


def _scheduled(world: World, alice, dora, staff) -> Meeting:  # type: ignore[no-untyped-def]
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk,
        need_id=world.need.pk, result_id=world.result.pk, message="想了解中试情况",
    )  # fmt: skip
    requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)
    report = schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    assert [m.request_id for m in report.placed] == [req.pk]
    return Meeting.objects.get(request=req)


def test_intention_creates_exactly_one_pair_with_the_meeting_in_its_history(
    world: World, alice, dora, staff
) -> None:
    meeting = _scheduled(world, alice, dora, staff)
    assert meeting.venue == world.main
    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        outcomes.meeting_outcome_record(
            user=staff, meeting_id=meeting.pk, outcome="intention", note="双方同意中试"
        )
        outcomes.meeting_outcome_record(user=dora, meeting_id=meeting.pk, outcome="intention")
    pairs = Match.objects.filter(need=world.need, result=world.result)
    assert pairs.count() == 1
    pair = pairs.get()
    assert pair.status == MatchStatus.INTENTION
    steps = list(MatchTransition.objects.filter(match=pair).values_list("to_status", "source"))
    assert [s for s, _src in steps] == ["approved", "contacted", "intention"]
    assert all("对接会" in src for _s, src in steps)


def test_outcome_advances_an_existing_pair_and_never_moves_it_back(
    world: World, alice, dora, staff
) -> None:
    pair = Match.objects.create(kind="need_result", need=world.need, result=world.result, score=2)
    meeting = _scheduled(world, alice, dora, staff)
    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        outcomes.meeting_outcome_record(user=alice, meeting_id=meeting.pk, outcome="intention")
        outcomes.meeting_outcome_record(user=alice, meeting_id=meeting.pk, outcome="follow_up")
    pair.refresh_from_db()
    assert pair.status == MatchStatus.INTENTION
    assert Match.objects.count() == 1


def test_outsider_cannot_record_and_nothing_is_saved(
    world: World, alice, dora, staff, charlie
) -> None:
    meeting = _scheduled(world, alice, dora, staff)
    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        with pytest.raises(PermissionDenied):
            outcomes.meeting_outcome_record(user=charlie, meeting_id=meeting.pk, outcome="signed")
        with pytest.raises(ValidationError) as err:
            outcomes.meeting_outcome_record(user=alice, meeting_id=meeting.pk, outcome="signed")
    assert "contract_amount" in err.value.message_dict
    assert not Match.objects.exists()
    meeting.refresh_from_db()
    assert meeting.outcome == ""


def test_bad_requests_get_chinese_errors(world: World, alice, dora, staff) -> None:
    with pytest.raises(ValidationError, match="本单位"):
        requests.meeting_request_create(
            user=alice, event=world.event, invitee_id=world.alice_reg.pk
        )
    requests.meeting_request_create(user=alice, event=world.event, invitee_id=world.dora_reg.pk)
    with pytest.raises(ValidationError, match="进行中"):
        requests.meeting_request_create(user=dora, event=world.event, invitee_id=world.alice_reg.pk)
    assert MeetingRequest.objects.count() == 1
    late = world.event.request_cutoff + dt.timedelta(minutes=1)
    with time_machine.travel(late), pytest.raises(ValidationError, match="截止"):
        requests.meeting_request_create(user=dora, event=world.event, invitee_id=world.alice_reg.pk)


def test_unanswered_requests_expire_at_the_cutoff_and_hold_no_slot(
    world: World, alice, dora, staff
) -> None:
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    late = world.event.request_cutoff + dt.timedelta(minutes=1)
    with time_machine.travel(late):
        with pytest.raises(ValidationError, match="失效"):
            requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)
        report = schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    req.refresh_from_db()
    assert req.status == MeetingRequest.Status.EXPIRED
    assert report.placed == []
