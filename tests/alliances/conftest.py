"""Alliance personas on top of tests/conftest.py: org A (alice, bob) and org M (mia) are
members of one alliance; charlie's org B is not. Alliance postings belong to org A."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Alliance, AllianceMembership, Membership, Organization, User
from tests.accounts.factories import OrganizationFactory, member
from tests.portal.factories import NeedFactory, ResultFactory

MEMBERS_FIRST_DAYS = 10


@pytest.fixture
def org_m(db: None) -> Organization:
    return OrganizationFactory(name="丁材料研究院", org_type="institute", region_code="370100")


@pytest.fixture
def mia(org_m: Organization) -> User:
    return member("mia", org_m, Membership.Role.RESEARCHER)


@pytest.fixture
def other_staff(db: None) -> User:
    """Staff of Hohhot (jurisdiction 1501): outside the alliance's region."""
    bureau = OrganizationFactory(
        name="呼和浩特市科学技术局", org_type="bureau", region_code="150100"
    )
    return member("olga", bureau, Membership.Role.STAFF)


@pytest.fixture
def alliance(org_a: Organization, org_m: Organization, staff: User) -> Alliance:
    alliance = Alliance.objects.create(
        name="山东省新材料产业技术创新联盟",
        region_code="370100",
        description="新材料企业与院所的联盟。",
        created_by=staff,
    )
    AllianceMembership.objects.create(
        alliance=alliance, organization=org_m, role=AllianceMembership.Role.LEAD
    )
    AllianceMembership.objects.create(alliance=alliance, organization=org_a)
    return alliance


def members_first(alliance: Alliance, days: int = MEMBERS_FIRST_DAYS) -> dict[str, Any]:
    """The fields of a posting published today and shared members first for ``days``."""
    return {
        "members_first_alliance": alliance,
        "members_first_days": days,
        "members_first_until": timezone.localdate() + dt.timedelta(days=days),
    }


@pytest.fixture
def shared_need(alliance: Alliance, org_a: Organization, alice: User) -> Any:
    return NeedFactory(
        title="碳纤维复合材料回收再利用",
        organization=org_a,
        created_by=alice,
        **members_first(alliance),
    )


@pytest.fixture
def shared_result(alliance: Alliance, org_a: Organization, alice: User) -> Any:
    return ResultFactory(
        title="热塑性碳纤维复合材料快速成型技术",
        organization=org_a,
        created_by=alice,
        **members_first(alliance),
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
