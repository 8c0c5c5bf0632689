"""Shared personas (healthchecks style): alice edits org A, bob views org A, charlie is org B."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Membership, Organization, User
from tests.accounts.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """Each test starts with what a new worker process has: an empty cache, no in-memory
    index and plain jieba (no domain dictionary from an earlier test's rolled-back data)."""
    from matching import dictionary, services

    yield
    cache.clear()
    services.index_cache_clear()
    dictionary.reset_process_state()


@pytest.fixture
def org_a(db: None) -> Organization:
    return OrganizationFactory(name="甲企业有限公司", org_type="enterprise", region_code="370100")


@pytest.fixture
def org_b(db: None) -> Organization:
    return OrganizationFactory(name="乙企业有限公司", org_type="enterprise", region_code="370200")


@pytest.fixture
def bureau(db: None) -> Organization:
    return OrganizationFactory(name="济南市科学技术局", org_type="bureau", region_code="370100")


@pytest.fixture
def alice(org_a: Organization) -> User:
    user = UserFactory(username="alice")
    MembershipFactory(user=user, organization=org_a, role=Membership.Role.ENTERPRISE)
    return user


@pytest.fixture
def bob(org_a: Organization) -> User:
    user = UserFactory(username="bob")
    MembershipFactory(user=user, organization=org_a, role=Membership.Role.ENTERPRISE)
    return user


@pytest.fixture
def charlie(org_b: Organization) -> User:
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, organization=org_b, role=Membership.Role.ENTERPRISE)
    return user


@pytest.fixture
def staff(bureau: Organization) -> User:
    user = UserFactory(username="staff")
    MembershipFactory(user=user, organization=bureau, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def alice_client(alice: User) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client
