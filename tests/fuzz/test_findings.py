"""What the API fuzzing found, pinned down as plain tests (each fixed in the API layer)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, User
from tests.accounts.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(bureau: Organization) -> APIClient:
    client = APIClient()
    user: User = member("sam", bureau, Membership.Role.STAFF)
    client.force_authenticate(user)
    return client


def programme(entry_deadline: str) -> dict[str, object]:
    return {
        "kind": "challenge_list",
        "title": "新材料揭榜挂帅榜单",
        "period_start": "2027-01-01",
        "period_end": "2027-06-30",
        "entry_deadline": entry_deadline,
    }


def test_a_deadline_centuries_away_is_refused_in_chinese(staff: APIClient) -> None:
    """Year 383 used to be saved and echoed with the +08:05:43 local-mean-time offset, which
    is no valid date-time in the response schema."""
    response = staff.post("/api/challenges/", programme("0383-07-03T21:58:55Z"), format="json")

    assert response.status_code == 400
    assert "1970 至 2100" in str(response.json())


def test_a_plausible_deadline_is_written_back_with_a_whole_hour_offset(staff: APIClient) -> None:
    response = staff.post("/api/challenges/", programme("2027-03-01T10:00:00+08:00"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["entry_deadline"] == "2027-03-01T10:00:00+08:00"


def test_event_day_start_is_documented_as_the_clock_time_it_returns() -> None:
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    day_start = schema["components"]["schemas"]["EventOutput"]["properties"]["day_start"]

    assert "format" not in day_start
    assert day_start["example"] == "09:00:00"
