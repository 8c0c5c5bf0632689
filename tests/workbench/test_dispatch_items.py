"""A dispatched expert's home lists the enterprises still to visit; the enterprise's home
lists the visits it has to confirm; each leaves the home once done."""

# ruff: noqa: F811  # the fixtures come from the programme tests
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from portal.dispatch import services
from portal.dispatch.models import Assignment
from tests.dispatch.test_services import field, world  # noqa: F401

pytestmark = pytest.mark.django_db


def _groups(user: User) -> dict[str, Any]:
    client = Client()
    client.force_login(user)
    return {g.key: g for g in client.get("/").context["groups"]}


def test_visits_to_make_and_to_confirm_come_and_go(world, staff, alice, charlie, field) -> None:  # type: ignore[no-untyped-def]
    prof = world["prof"]
    services.volunteer(
        user=prof, round_=world["round"], capacity=3, field_ids=[field.pk], districts=["370100"]
    )
    services.round_solve(user=staff, round_=world["round"])
    assert "dispatch-to-visit" not in _groups(prof)  # not published yet
    services.round_publish(user=staff, round_=world["round"])
    row = Assignment.objects.get()

    group = _groups(prof)["dispatch-to-visit"]
    assert group.count == 1
    assert group.items[0].title == str(alice.organization)
    assert group.items[0].url == f"/dispatch/assignments/{row.pk}/visit/"
    assert "dispatch-to-confirm" not in _groups(alice)

    visit = services.visit_log(
        user=prof,
        assignment_id=row.pk,
        date=timezone.localdate(),
        mode="onsite",
        problem="注塑件缩痕",
        advice="延长保压时间",
    )

    assert "dispatch-to-visit" not in _groups(prof)
    group = _groups(alice)["dispatch-to-confirm"]
    assert group.items[0].url == f"/dispatch/visits/{visit.pk}/rate/"
    assert "dispatch-to-confirm" not in _groups(charlie)  # another enterprise

    services.visit_rate(user=alice, visit_id=visit.pk, rating=5)

    assert "dispatch-to-confirm" not in _groups(alice)
