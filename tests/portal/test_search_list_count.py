"""The needs list counts a search's matches only up to a cap (an exact count of a common
word's matches reads every matching row) and says "超过 N 条" beyond it; the pages up to the
cap still work."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db
NEEDS = "registers:need-list"


def test_a_search_with_more_matches_than_the_cap_says_more_than(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("portal.views.postings.COUNT_CAP", 30)
    for _ in range(32):
        NeedFactory()
    response = Client().get(reverse(NEEDS), {"q": "保险杠"})
    html = response.content.decode()
    assert "超过 30 条" in html
    assert "共 32 条" not in html
    assert "1 / 2" in html
    second = Client().get(reverse(NEEDS), {"q": "保险杠", "page": 2})
    assert len(second.context["page"].object_list) == 10


def test_a_search_within_the_cap_shows_the_exact_count(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("portal.views.postings.COUNT_CAP", 30)
    for _ in range(30):
        NeedFactory()
    html = Client().get(reverse(NEEDS), {"q": "保险杠"}).content.decode()
    assert "共 30 条" in html
    assert "超过" not in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
def test_far_more_matches_than_the_cap_are_not_counted(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A term the planner expects in ten times more postings than the cap is shown as "超过"
    without a COUNT (which would read the table row by row for a term in most postings)."""
    monkeypatch.setattr("portal.views.postings.COUNT_CAP", 3)
    for _ in range(40):
        NeedFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_need")
    with CaptureQueriesContext(connection) as queries:
        html = Client().get(reverse(NEEDS), {"q": "保险杠"}).content.decode()
    assert "超过 3 条" in html
    assert not [q for q in queries if q["sql"].startswith("SELECT COUNT(")]
