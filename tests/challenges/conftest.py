"""A published challenge list with one challenge, a university lead (dora, 丙大学) and a
consortium partner (erin, 丁研究院), and a reviewer expert from another university."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Membership, Organization, User
from portal.challenges import services
from portal.challenges.models import Challenge, Programme
from portal.models import Expert, Result, TechField
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import ExpertFactory, ResultFactory


@dataclass
class ListWorld:
    programme: Programme
    challenge: Challenge
    result: Result
    reviewer_expert: Expert


@pytest.fixture
def university(db: None) -> Organization:
    return OrganizationFactory(name="丙大学", org_type="university", region_code="370100")


@pytest.fixture
def institute(db: None) -> Organization:
    return OrganizationFactory(name="丁研究院", org_type="institute", region_code="370100")


@pytest.fixture
def dora(university: Organization) -> User:
    return member("dora", university, Membership.Role.RESEARCHER)


@pytest.fixture
def erin(institute: Organization) -> User:
    return member("erin", institute, Membership.Role.RESEARCHER)


@pytest.fixture
def judge(db: None) -> User:
    org = OrganizationFactory(name="戊大学", org_type="university", region_code="370200")
    return member("judge", org, Membership.Role.EXPERT)


def programme_data(**extra: object) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "title": "2026 年济南市揭榜挂帅榜单",
        "period_start": today,
        "period_end": today + dt.timedelta(days=365),
        "entry_deadline": timezone.now() + dt.timedelta(days=20),
        "region_code": "370100",
        **extra,
    }


@pytest.fixture
def list_world(staff: User, dora: User, university: Organization, judge: User) -> ListWorld:
    programme = services.programme_create(user=staff, kind="challenge_list", data=programme_data())
    challenge = services.challenge_add(
        user=staff,
        programme=programme,
        data={
            "title": "高盐废水零排放关键技术",
            "problem": "印染园区高盐废水难以处理。",
            "targets": "吨水处理成本低于 30 元",
            "funding": 500,
            "duration_months": 24,
        },
        field_ids=list(TechField.objects.values_list("pk", flat=True)[:1]),
    )
    services.programme_publish(user=staff, programme=programme)
    result = ResultFactory(organization=university, created_by=dora, title="催化臭氧氧化")
    expert = ExpertFactory(organization=judge.organization, user=judge, name="评审专家")
    return ListWorld(programme, challenge, result, expert)
