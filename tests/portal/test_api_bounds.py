"""Every list API answers a bounded number of rows, whatever ?page_size= asks for."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Notification, Organization, User
from portal.api import MAX_PAGE_SIZE, MAX_REFERENCE_ROWS
from portal.reference import regions
from tests.accounts.factories import OrganizationFactory
from tests.portal.conftest import client_for
from tests.portal.factories import ExpertFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db

MORE_THAN_A_PAGE = MAX_PAGE_SIZE + 5


def _api_list_urls() -> Iterator[str]:
    """Every /api/ route without a path parameter (the lists, plus a few single objects)."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif "<" not in route:
                yield "/" + route

    _prefix, api = get_resolver().namespace_dict["api"]
    yield from walk(api.url_patterns, "api/")


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        ("/api/results/", ResultFactory),
        ("/api/needs/", NeedFactory),
        ("/api/experts/", ExpertFactory),
        ("/api/organizations/", OrganizationFactory),
    ],
)
def test_a_page_size_of_760_returns_at_most_the_cap(url, factory, org_a: Organization) -> None:
    if factory is OrganizationFactory:
        factory.create_batch(MORE_THAN_A_PAGE)
    else:
        factory.create_batch(MORE_THAN_A_PAGE, organization=org_a)

    started = time.perf_counter()
    response = Client().get(url, {"page_size": 760})
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= MORE_THAN_A_PAGE
    assert len(body["results"]) == MAX_PAGE_SIZE
    assert body["next"] is not None
    assert elapsed < 5  # issue 10: /api/results/?page_size=760 took more than 10 s


def test_the_inbox_api_caps_its_page_too(alice: User) -> None:
    Notification.objects.bulk_create(
        Notification(user=alice, event_key=f"e{i}", subject=f"通知{i}")
        for i in range(MORE_THAN_A_PAGE)
    )

    body = client_for(alice).get("/api/notifications/", {"page_size": 760}).json()

    assert body["count"] == MORE_THAN_A_PAGE
    assert len(body["results"]) == MAX_PAGE_SIZE


def test_every_list_api_answers_a_huge_page_size_with_a_bounded_list(staff: User) -> None:
    client = client_for(staff)
    urls = sorted(set(_api_list_urls()))
    assert "/api/results/" in urls
    assert "/api/regions/" in urls

    for url in urls:
        response = client.get(url, {"page_size": 760, "level": 3})
        if response.status_code == 405:  # POST-only actions (read-all, token)
            continue
        assert response.status_code == 200, url
        body = response.json()
        if isinstance(body, list):
            assert len(body) <= MAX_REFERENCE_ROWS, url
        elif "results" in body:
            assert len(body["results"]) <= MAX_PAGE_SIZE, url


def test_the_reference_cap_is_above_the_shipped_region_table() -> None:
    # Otherwise /api/regions/?level=3 would silently drop divisions.
    assert len(regions.region_table()) < MAX_REFERENCE_ROWS
