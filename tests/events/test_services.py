"""Rules of events, registrations, proposals and the schedule, as staff and participants
meet them (the optimiser itself is tested in test_scheduler.py)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Membership
from matching.dashboards.sections import programme_tables
from matching.models import Match, MatchStatus
from portal.events import registrations, requests, schedule, services
from portal.events.models import Event, Meeting, MeetingRequest, Registration
from tests.accounts.factories import OrganizationFactory, member
from tests.events.conftest import World, add_venues, make_event
from tests.matching.factories import ExpertFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db


def test_a_second_event_at_the_same_address_on_overlapping_days_is_refused(staff) -> None:
    first = make_event(staff)
    add_venues(staff, first)
    second = make_event(staff, title="另一场对接会")
    with pytest.raises(ValidationError) as err:
        services.venue_save(
            user=staff,
            event=second,
            data={
                "kind": "main",
                "name": "主会场",
                "address": "济南市历下区1号",
                "capacity": 10,
                "tables": 1,
            },
        )
    assert "日期冲突" in err.value.message_dict["address"][0]
    assert second.venues.count() == 0
    # The same address a week later is free.
    later = make_event(staff, title="下周的对接会", days_ahead=20)
    services.venue_save(
        user=staff,
        event=later,
        data={
            "kind": "main",
            "name": "主会场",
            "address": "济南市历下区 1 号",
            "capacity": 10,
            "tables": 1,
        },
    )


def test_staff_of_another_region_cannot_manage_the_event(world: World) -> None:
    canton = OrganizationFactory(name="广州市科学技术局", org_type="bureau", region_code="440100")
    other = member("gz_staff", canton, Membership.Role.STAFF)
    with pytest.raises(PermissionDenied):
        services.event_publish(user=other, event=world.event)
    with pytest.raises(PermissionDenied):
        schedule.schedule_solve(user=other, event=world.event)


@pytest.mark.parametrize("cap", [0, -1, 33, "x"])
def test_meeting_caps_out_of_range_are_refused(world: World, alice, cap) -> None:
    with pytest.raises(ValidationError) as err:
        registrations.registration_update(user=alice, registration=world.alice_reg, meeting_cap=cap)
    assert "最多洽谈场数" in err.value.message_dict["meeting_cap"][0]


def test_registering_twice_and_slots_of_another_event_are_refused(
    world: World, alice, staff
) -> None:
    with pytest.raises(ValidationError, match="重复报名"):
        registrations.registration_create(
            user=alice, event=world.event, venue_id=world.main.pk, need_ids=[world.need.pk]
        )
    other = make_event(staff, title="另一场", days_ahead=30)
    foreign = other.slots.first()
    with pytest.raises(ValidationError) as err:
        registrations.registration_update(
            user=alice, registration=world.alice_reg, slot_ids=[foreign.pk]
        )
    assert "不属于本活动" in err.value.message_dict["available_slots"][0]
    assert world.alice_reg.available_slots.count() == world.event.slots.count()


def test_a_full_venue_turns_registrants_away(world: World, staff, charlie, org_b) -> None:
    services.venue_save(user=staff, event=world.event, venue=world.branch, data={"capacity": 1})
    other = member(
        "erin", OrganizationFactory(name="丁公司", region_code="370100"), Membership.Role.ENTERPRISE
    )
    registrations.registration_create(
        user=other,
        event=world.event,
        venue_id=world.branch.pk,
        need_ids=[NeedFactory(organization=other.organization).pk],
    )
    need = NeedFactory(organization=org_b)
    with pytest.raises(ValidationError) as err:
        registrations.registration_create(
            user=charlie, event=world.event, venue_id=world.branch.pk, need_ids=[need.pk]
        )
    assert "名额已满" in err.value.message_dict["venue"][0]
    assert not Registration.objects.filter(organization=org_b).exists()


def test_only_own_published_postings_can_be_brought(world: World, charlie, org_b) -> None:
    with pytest.raises(ValidationError) as err:
        registrations.registration_create(
            user=charlie, event=world.event, venue_id=world.main.pk, need_ids=[world.need.pk]
        )
    assert "本单位" in err.value.message_dict["needs"][0]


def test_engine_proposes_approved_pairs_first_then_by_score(
    world: World, staff, university, dora
) -> None:
    expert = ExpertFactory(organization=university, created_by=dora, name="赵教授")
    second = ResultFactory(organization=university, created_by=dora)
    world.dora_reg.results.add(second)
    world.dora_reg.experts.add(expert)
    Match.objects.create(kind="need_result", need=world.need, result=second, score=3.0)
    approved = Match.objects.create(
        kind="need_result",
        need=world.need,
        result=world.result,
        score=1.0,
        status=MatchStatus.APPROVED,
    )
    assert requests.meetings_propose(user=staff, event=world.event) == 1
    proposal = MeetingRequest.objects.get()
    assert proposal.match == approved
    assert proposal.status == MeetingRequest.Status.PROPOSED
    assert proposal.invitee == world.alice_reg
    # Idempotent: the two registrations already have an open request.
    assert requests.meetings_propose(user=staff, event=world.event) == 0
    requests.proposals_accept(user=staff, event=world.event, request_ids=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == MeetingRequest.Status.PENDING


def _accepted(world: World, alice, dora) -> MeetingRequest:  # type: ignore[no-untyped-def]
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    return requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)


def test_a_pinned_meeting_stays_where_staff_put_it(world: World, alice, dora, staff) -> None:
    req = _accepted(world, alice, dora)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    last = world.event.slots.order_by("-starts_at").first()
    schedule.meeting_pin(
        user=staff, request_id=req.pk, slot_id=last.pk, venue_id=world.main.pk, table=2
    )
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    meeting = Meeting.objects.get(request=req)
    assert (meeting.slot, meeting.venue, meeting.table, meeting.pinned) == (
        last,
        world.main,
        2,
        True,
    )


def test_pinning_onto_a_busy_party_or_a_missing_table_is_refused(
    world: World, alice, dora, staff
) -> None:
    req = _accepted(world, alice, dora)
    slot = world.event.slots.first()
    with pytest.raises(ValidationError) as err:
        schedule.meeting_pin(
            user=staff, request_id=req.pk, slot_id=slot.pk, venue_id=world.main.pk, table=9
        )
    assert "桌号" in err.value.message_dict["table"][0]
    assert not Meeting.objects.exists()


def test_unplaceable_requests_are_reported_with_reasons(world: World, alice, dora, staff) -> None:
    req = _accepted(world, alice, dora)
    first, second = list(world.event.slots.order_by("starts_at"))[:2]
    registrations.registration_update(user=alice, registration=world.alice_reg, slot_ids=[first.pk])
    registrations.registration_update(user=dora, registration=world.dora_reg, slot_ids=[second.pk])
    report = schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    assert report.placed == []
    assert [(r.pk, reason) for r, reason in report.unplaced] == [(req.pk, "no_common_slot")]
    req.refresh_from_db()
    assert req.unplaced_reason == "no_common_slot"
    assert report.run.unplaced == [{"request": req.pk, "reason": "no_common_slot"}]


def test_parties_at_different_venues_meet_online_or_are_told_why_not(
    world: World, alice, dora, staff
) -> None:
    Registration.objects.filter(pk=world.dora_reg.pk).update(venue=world.branch)
    req = _accepted(world, alice, dora)
    report = schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    assert [(r.pk, reason) for r, reason in report.unplaced] == [(req.pk, "no_shared_venue")]
    online = services.venue_save(
        user=staff,
        event=world.event,
        data={"kind": "online", "name": "线上", "capacity": 50, "tables": 1},
    )
    report = schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    assert [m.venue for m in report.placed] == [online]


def test_the_dashboard_counts_each_event(world: World, alice, dora, staff) -> None:
    _accepted(world, alice, dora)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    tables = {t.key: t for t in programme_tables(user=staff)}
    row = tables["events"].rows[0]
    assert row[0] == world.event.title
    assert row[2:6] == [2, 2, 1, 1]  # registrants, postings, requested, scheduled
    drafts = make_event(staff, title="筹备中的活动", days_ahead=40)
    assert drafts.status == Event.Status.DRAFT
    assert [r[0] for r in programme_tables(user=None)[0].rows] == [world.event.title]


def test_a_held_meeting_cannot_be_moved_and_venue_names_are_unique(
    world: World, alice, dora, staff
) -> None:
    req = _accepted(world, alice, dora)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    meeting = Meeting.objects.get(request=req)
    Meeting.objects.filter(pk=meeting.pk).update(outcome=Meeting.Outcome.NO_INTEREST)
    last = world.event.slots.order_by("-starts_at").first()
    with pytest.raises(ValidationError, match="不能改动"):
        schedule.meeting_pin(
            user=staff, request_id=req.pk, slot_id=last.pk, venue_id=world.main.pk, table=1
        )
    assert Meeting.objects.get(pk=meeting.pk).slot == meeting.slot
    with pytest.raises(ValidationError) as err:
        services.venue_save(
            user=staff,
            event=world.event,
            data={
                "kind": "branch",
                "name": "分会场",
                "address": "别处 3 号",
                "capacity": 5,
                "tables": 1,
            },
        )
    assert "已有名为" in err.value.message_dict["name"][0]


def test_once_the_event_has_started_participants_cannot_cancel(world: World, alice, dora) -> None:
    req = _accepted(world, alice, dora)
    with time_machine.travel(world.event.start_date.isoformat() + " 08:00 +0800"):
        with pytest.raises(ValidationError, match="活动已开始"):
            requests.meeting_request_cancel(user=alice, request_id=req.pk)
        with pytest.raises(ValidationError, match="活动已开始"):
            registrations.registration_cancel(user=alice, registration=world.alice_reg)
    req.refresh_from_db()
    world.alice_reg.refresh_from_db()
    assert req.status == MeetingRequest.Status.ACCEPTED
    assert world.alice_reg.status == Registration.Status.APPROVED
