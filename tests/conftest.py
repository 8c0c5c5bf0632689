"""Shared personas (healthchecks style): alice edits org A, bob views org A, charlie is org B."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from accounts.models import Membership, Organization, User
from tests.accounts.factories import OrganizationFactory, member


@pytest.fixture(autouse=True)
def fresh_process_state() -> Iterator[None]:
    """Each test starts with what a new worker process has: an empty cache, no in-memory
    index and plain jieba (no domain dictionary from an earlier test's rolled-back data)."""
    from matching.lists import dictionary, index_cache

    yield
    cache.clear()
    index_cache.index_cache_clear()
    dictionary.reset_process_state()


@pytest.fixture(autouse=True)
def site_language() -> Iterator[None]:
    """Each test starts in the site's language: a request in English (LocaleMiddleware
    activates it for the thread) must not leak into the next test's messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="module")
def demo_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """seed_demo once for the module (a few seconds), rolled back at its end; each test
    using it also takes ``db``."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def stats_cached(settings: Any) -> Iterator[None]:
    """The dashboards keep their figures as in production (STATS_CACHE_SECONDS), so a crawl
    that opens a dashboard and its fifteen exports counts them once per filter."""
    settings.STATS_CACHE_SECONDS = 120
    cache.clear()
    yield
    cache.clear()


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
    return member("alice", org_a, Membership.Role.ENTERPRISE)


@pytest.fixture
def bob(org_a: Organization) -> User:
    return member("bob", org_a, Membership.Role.ENTERPRISE)


@pytest.fixture
def charlie(org_b: Organization) -> User:
    return member("charlie", org_b, Membership.Role.ENTERPRISE)


@pytest.fixture
def staff(bureau: Organization) -> User:
    return member("staff", bureau, Membership.Role.STAFF)


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
