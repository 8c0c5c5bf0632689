"""The dashboard keeps its figures for STATS_CACHE_SECONDS: a new posting shows once they
expire, a pair's stage change at once; the page says when it counted."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from matching.models import Match
from matching.pairs import services as workflow
from tests.matching.factories import NeedFactory
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db(transaction=True)


def _figure(client: Client, card: str) -> str:
    html = client.get(reverse("matching:dashboard")).content.decode()
    found = re.search(rf'id="stat-{card}">([^<]+)<', html)
    assert found, card
    return found.group(1)


@pytest.fixture
def cached(settings):  # type: ignore[no-untyped-def]
    settings.STATS_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_figures_are_kept_then_counted_afresh(cached, staff: User, need) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(staff)
    before = _figure(client, "needs")
    NeedFactory(region_code=need.region_code)
    assert _figure(client, "needs") == before
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=61)):
        client.force_login(staff)
        assert int(_figure(client, "needs")) == int(before) + 1


def test_a_stage_change_shows_at_once(cached, staff: User, match: Match) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(staff)
    before = int(_figure(client, "approved"))
    workflow.match_approve(match_id=match.pk, user=staff)
    assert int(_figure(client, "approved")) == before + 1


def test_the_page_says_when_it_counted(cached, staff: User) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(staff)
    html = client.get(reverse("matching:dashboard")).content.decode()
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    assert re.search(rf'id="dashboard-computed">统计时间：{stamp} \d\d:\d\d<', html)


def test_without_caching_every_request_counts(staff: User, need) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(staff)
    before = int(_figure(client, "needs"))
    NeedFactory(region_code=need.region_code)
    assert int(_figure(client, "needs")) == before + 1
