"""A members-first posting: members, its owners and bureau staff see it everywhere;
non-members and anonymous visitors meet it nowhere until its date, then like any other."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from tests.alliances.conftest import MEMBERS_FIRST_DAYS, client_for

pytestmark = pytest.mark.django_db

PATHS = {"need": "needs", "result": "results"}
SEARCH_TERM = "碳纤维"


@pytest.fixture(params=["need", "result"])
def shared(request: Any) -> tuple[str, Any]:
    kind = request.param
    return kind, request.getfixturevalue(f"shared_{kind}")


def _persona(request: Any, name: str) -> User | None:
    return None if name == "anonymous" else request.getfixturevalue(name)


def _api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _seen_everywhere(kind: str, posting: Any, user: User | None) -> dict[str, bool]:
    """Where the user meets the posting: list, search, detail, API list, search and detail."""
    path = PATHS[kind]
    browser = client_for(user)
    api = _api(user)
    detail = browser.get(f"/{path}/{posting.pk}/")
    api_detail = api.get(f"/api/{path}/{posting.pk}/")
    assert detail.status_code in (200, 404)
    assert api_detail.status_code in (200, 404)
    api_ids = [row["id"] for row in api.get(f"/api/{path}/").json()["results"]]
    api_found = [
        row["id"] for row in api.get(f"/api/{path}/", {"q": SEARCH_TERM}).json()["results"]
    ]
    link = f'href="/{path}/{posting.pk}/"'
    return {
        "list": link in browser.get(f"/{path}/").content.decode(),
        "search": link in browser.get(f"/{path}/", {"q": SEARCH_TERM}).content.decode(),
        "detail": detail.status_code == 200,
        "api list": posting.pk in api_ids,
        "api search": posting.pk in api_found,
        "api detail": api_detail.status_code == 200,
    }


@pytest.mark.parametrize("persona", ["mia", "alice", "staff"])
def test_members_owners_and_staff_see_it_everywhere(
    request: Any, shared: tuple[str, Any], persona: str
) -> None:
    kind, posting = shared
    seen = _seen_everywhere(kind, posting, _persona(request, persona))

    assert seen == dict.fromkeys(seen, True)


@pytest.mark.parametrize("persona", ["charlie", "anonymous"])
def test_non_members_and_visitors_meet_it_nowhere(
    request: Any, shared: tuple[str, Any], persona: str
) -> None:
    kind, posting = shared
    seen = _seen_everywhere(kind, posting, _persona(request, persona))

    assert seen == dict.fromkeys(seen, False)


@pytest.mark.parametrize("persona", ["charlie", "anonymous"])
def test_it_is_public_the_day_after_its_date_with_nothing_run(
    request: Any, shared: tuple[str, Any], persona: str
) -> None:
    kind, posting = shared
    user = _persona(request, persona)
    last_day = timezone.localdate() + dt.timedelta(days=MEMBERS_FIRST_DAYS)

    tz = timezone.get_current_timezone()

    with time_machine.travel(dt.datetime.combine(last_day, dt.time(23, 0), tz), tick=False):
        assert _seen_everywhere(kind, posting, user)["detail"] is False
    next_morning = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(1, 0), tz)
    with time_machine.travel(next_morning, tick=False):
        seen = _seen_everywhere(kind, posting, user)

    assert seen == dict.fromkeys(seen, True)


def test_the_badge_tells_members_when_it_becomes_public(mia: User, shared_need: Any) -> None:
    public_on = shared_need.members_first_until + dt.timedelta(days=1)

    page = client_for(mia).get(f"/needs/{shared_need.pk}/").content.decode()
    listing = client_for(mia).get("/needs/").content.decode()

    badge = f"联盟成员优先 · 至 {public_on.month} 月 {public_on.day} 日公开"
    assert badge in page
    assert badge in listing
    assert "山东省新材料产业技术创新联盟" in page


def test_the_api_says_until_when_it_is_for_members(mia: User, shared_result: Any) -> None:
    body = _api(mia).get(f"/api/results/{shared_result.pk}/").json()

    assert body["members_first"]["alliance"]["name"] == "山东省新材料产业技术创新联盟"
    assert body["members_first"]["until"] == shared_result.members_first_until.isoformat()
    assert body["members_first"]["active"] is True


def test_staff_of_another_region_see_it_too_for_they_broker_its_pairs(
    other_staff: User, shared_need: Any
) -> None:
    seen = _seen_everywhere("need", shared_need, other_staff)

    assert seen == dict.fromkeys(seen, True)
