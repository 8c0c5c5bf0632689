"""An event with a main and a branch venue, an enterprise (alice, org A, with a need) and a
university team (dora, with a result), both registered and approved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Membership, Organization, User
from portal.events import registrations, services
from portal.events.models import Event, Registration, Venue
from portal.models import Need, Result
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import NeedFactory, ResultFactory


@dataclass
class World:
    event: Event
    main: Venue
    branch: Venue
    need: Need
    result: Result
    alice_reg: Registration
    dora_reg: Registration


@pytest.fixture
def university(db: None) -> Organization:
    return OrganizationFactory(name="丙大学", org_type="university", region_code="370100")


@pytest.fixture
def dora(university: Organization) -> User:
    return member("dora", university, Membership.Role.RESEARCHER)


def make_event(staff: User, *, days_ahead: int = 10, **extra: object) -> Event:
    start = timezone.localdate() + dt.timedelta(days=days_ahead)
    data = {
        "title": "2026 济南产学研对接会",
        "start_date": start,
        "end_date": start,
        "registration_deadline": timezone.now() + dt.timedelta(days=days_ahead - 2),
        "request_cutoff": timezone.now() + dt.timedelta(days=days_ahead - 1),
        "region_code": "370100",
        "slots_per_day": 4,
        **extra,
    }
    return services.event_create(user=staff, data=data)


def add_venues(staff: User, event: Event) -> tuple[Venue, Venue]:
    main = services.venue_save(
        user=staff,
        event=event,
        data={"kind": "main", "name": "主会场", "address": "济南市历下区 1 号", "capacity": 200,
              "tables": 2},
    )  # fmt: skip
    branch = services.venue_save(
        user=staff,
        event=event,
        data={"kind": "branch", "name": "分会场", "address": "淄博市张店区 2 号", "capacity": 50,
              "tables": 1},
    )  # fmt: skip
    return main, branch


@pytest.fixture
def world(
    staff: User, alice: User, dora: User, org_a: Organization, university: Organization
) -> World:
    event = make_event(staff)
    main, branch = add_venues(staff, event)
    services.event_publish(user=staff, event=event)
    need = NeedFactory(organization=org_a, created_by=alice, title="高盐废水处理")
    result = ResultFactory(organization=university, created_by=dora, title="催化臭氧氧化技术")
    services.postings_attach(user=staff, event=event, need_ids=[need.pk], result_ids=[result.pk])
    alice_reg = registrations.registration_create(
        user=alice, event=event, venue_id=main.pk, need_ids=[need.pk]
    )
    dora_reg = registrations.registration_create(
        user=dora, event=event, venue_id=main.pk, result_ids=[result.pk]
    )
    for reg in (alice_reg, dora_reg):
        registrations.registration_decide(user=staff, registration=reg, approve=True)
    alice_reg.refresh_from_db()
    dora_reg.refresh_from_db()
    return World(event, main, branch, need, result, alice_reg, dora_reg)
