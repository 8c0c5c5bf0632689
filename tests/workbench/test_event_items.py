"""A participant's home lists the meeting requests waiting for its answer and its meetings
to come once the schedule is published; each leaves the home when answered or held."""

# ruff: noqa: F811  # the fixtures come from the programme tests
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from portal.events import requests, schedule
from portal.events.models import Meeting
from tests.events.conftest import World, dora, university, world  # noqa: F401

pytestmark = pytest.mark.django_db


def _groups(user: User) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    return {g.key: g for g in client.get("/").context["groups"]}


def test_a_meeting_request_waits_on_the_invitees_home_until_answered(
    world: World, alice: User, dora: User, staff: User
) -> None:
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )

    group = _groups(dora)["meeting-requests"]
    assert group.count == 1
    assert group.items[0].title == f"{alice.organization} 邀请洽谈"
    assert group.items[0].url == f"/events/{world.event.pk}/#requests"
    assert "meeting-requests" not in _groups(alice)  # the sender has nothing to answer
    assert "meeting-requests" not in _groups(staff)

    requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)

    assert "meeting-requests" not in _groups(dora)


def test_meetings_show_on_both_homes_once_the_schedule_is_published(
    world: World, alice: User, dora: User, staff: User
) -> None:
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    assert Meeting.objects.filter(request=req).exists()
    assert "meetings" not in _groups(alice)  # a draft schedule may still move

    schedule.schedule_publish(user=staff, event=world.event)

    for user, other in ((alice, dora), (dora, alice)):
        group = _groups(user)["meetings"]
        assert group.count == 1
        assert group.items[0].title == f"与 {other.organization} 洽谈"
        assert group.items[0].url == f"/events/{world.event.pk}/#meetings"
