"""A matchmaking meeting's outcomes against real PostgreSQL: two meetings about the same
need × result recorded at the same instant give one pair, moved once."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection

from accounts.models import User
from matching.models import Match, MatchStatus, MatchTransition
from portal.events import outcomes, registrations, requests, schedule, services
from portal.events.models import Meeting
from tests.events.conftest import (  # noqa: F401 - fixtures
    World,
    dora,
    make_event,
    university,
    world,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _meeting(event, alice: User, researcher: User, staff: User, need, result) -> Meeting:  # type: ignore[no-untyped-def]
    regs = {}
    pairs = ((alice, {"need_ids": [need.pk]}), (researcher, {"result_ids": [result.pk]}))
    for user, kwargs in pairs:
        reg = registrations.registration_create(
            user=user, event=event, venue_id=event.venues.get(kind="main").pk, **kwargs
        )
        registrations.registration_decide(user=staff, registration=reg, approve=True)
        regs[user.pk] = reg
    req = requests.meeting_request_create(
        user=alice,
        event=event,
        invitee_id=regs[researcher.pk].pk,
        need_id=need.pk,
        result_id=result.pk,
    )
    requests.meeting_request_respond(user=researcher, request_id=req.pk, accept=True)
    schedule.schedule_solve(user=staff, event=event, time_limit=5)
    return Meeting.objects.get(request=req)


def test_two_meetings_on_one_pair_recorded_at_once_give_one_pair(
    world: World,  # noqa: F811
    alice: User,
    dora: User,  # noqa: F811
    staff: User,
) -> None:
    assert connection.vendor == "postgresql"
    req = requests.meeting_request_create(
        user=alice,
        event=world.event,
        invitee_id=world.dora_reg.pk,
        need_id=world.need.pk,
        result_id=world.result.pk,
    )
    requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    one = Meeting.objects.get(request=req)
    other_event = make_event(staff, title="同日的分场对接会")
    services.venue_save(
        user=staff,
        event=other_event,
        data={
            "kind": "main",
            "name": "主会场",
            "address": "济南市槐荫区 8 号",
            "capacity": 50,
            "tables": 2,
        },
    )
    services.event_publish(user=staff, event=other_event)
    two = _meeting(other_event, alice, dora, staff, world.need, world.result)

    barrier = threading.Barrier(2)
    results: list[str] = []

    def record(meeting: Meeting, user: User) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.meeting_outcome_record(user=user, meeting_id=meeting.pk, outcome="intention")
            results.append("ok")
        except Exception as exc:  # the assertion below shows what went wrong
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        threads = [
            threading.Thread(target=record, args=(one, alice)),
            threading.Thread(target=record, args=(two, dora)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert results == ["ok", "ok"]
    pair = Match.objects.get(need=world.need, result=world.result)
    assert pair.status == MatchStatus.INTENTION
    moves = list(MatchTransition.objects.filter(match=pair).values_list("to_status", flat=True))
    assert moves == ["approved", "contacted", "intention"]
    assert Meeting.objects.filter(request__match=pair).count() == 2
