"""Choosing "members first": an alliance of the posting's organisation and 1–90 days,
counted from publication; wrong choices are refused in Chinese and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Alliance, Organization, User
from portal.models import Need, PostingStatus, Result
from portal.services import postings
from tests.alliances.conftest import client_for
from tests.portal.conftest import need_data

pytestmark = pytest.mark.django_db

CHINESE = range(0x4E00, 0xA000)


def _chinese(messages: Any) -> bool:
    return any(ord(ch) in CHINESE for ch in str(messages))


@pytest.fixture
def other_alliance(db: None) -> Alliance:
    """An alliance org A is not a member of."""
    return Alliance.objects.create(name="内蒙古稀土功能材料联盟", region_code="150100")


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"members_first_alliance": "other", "members_first_days": 30}, "members_first_alliance"),
        ({"members_first_alliance": "own", "members_first_days": 0}, "members_first_days"),
        ({"members_first_alliance": "own", "members_first_days": 91}, "members_first_days"),
        ({"members_first_alliance": "own", "members_first_days": None}, "members_first_days"),
        ({"members_first_alliance": None, "members_first_days": 30}, "members_first_alliance"),
    ],
)
def test_the_service_refuses_a_wrong_choice_and_saves_nothing(
    alice: User, alliance: Alliance, other_alliance: Alliance, choice: dict[str, Any], field: str
) -> None:
    picked = {"own": alliance, "other": other_alliance, None: None}
    data = {**need_data(), **choice}
    data["members_first_alliance"] = picked[choice["members_first_alliance"]]

    with pytest.raises(ValidationError) as caught:
        postings.posting_create(kind="need", by=alice, data=data)

    assert field in caught.value.message_dict
    assert _chinese(caught.value.message_dict[field])
    assert Need.objects.count() == 0


def test_the_days_count_from_publication(alice: User, staff: User, alliance: Alliance) -> None:
    need = postings.posting_create(
        kind="need",
        by=alice,
        data={**need_data(), "members_first_alliance": alliance, "members_first_days": 30},
        submit=True,
    )
    assert need.members_first_until is None  # not yet published: nothing to count from

    published_on = timezone.localdate() + dt.timedelta(days=5)
    tz = timezone.get_current_timezone()
    with time_machine.travel(dt.datetime.combine(published_on, dt.time(10, 0), tz), tick=False):
        postings.posting_approve(posting=need, by=staff)

    need.refresh_from_db()
    assert need.status == PostingStatus.PUBLISHED
    assert need.members_first_until == published_on + dt.timedelta(days=30)


def test_choosing_it_on_a_published_posting_counts_from_its_publication(
    alice: User, alliance: Alliance, shared_result: Result
) -> None:
    published = timezone.localdate() - dt.timedelta(days=3)
    Result.objects.filter(pk=shared_result.pk).update(
        published_at=timezone.now() - dt.timedelta(days=3),
        members_first_alliance=None,
        members_first_days=None,
        members_first_until=None,
    )
    result = Result.objects.get(pk=shared_result.pk)

    result = postings.posting_update(
        posting=result, by=alice, data={"members_first_alliance": alliance, "members_first_days": 7}
    )
    assert result.members_first_until == published + dt.timedelta(days=7)
    assert result.status == PostingStatus.PUBLISHED  # no new review for this

    with pytest.raises(ValidationError) as caught:
        postings.posting_update(posting=result, by=alice, data={"members_first_days": 2})
    assert "成员优先期已经结束" in str(caught.value.message_dict["members_first_days"])
    assert Result.objects.get(pk=result.pk).members_first_days == 7


def test_clearing_it_makes_the_posting_public_at_once(
    alice: User, charlie: User, shared_need: Need
) -> None:
    postings.posting_update(
        posting=shared_need,
        by=alice,
        data={"members_first_alliance": None, "members_first_days": None},
    )

    assert client_for(charlie).get(f"/needs/{shared_need.pk}/").status_code == 200


def test_an_unrelated_edit_after_leaving_the_alliance_is_no_error(
    alice: User, alliance: Alliance, org_a: Organization, shared_need: Need
) -> None:
    alliance.memberships.filter(organization=org_a).delete()

    need = postings.posting_update(posting=shared_need, by=alice, data={"contact_name": "李工"})

    assert need.contact_name == "李工"


def test_the_form_offers_the_own_alliances_and_shows_errors_in_chinese(
    alice: User, alliance: Alliance, other_alliance: Alliance
) -> None:
    client = client_for(alice)
    form_page = client.get("/needs/new/").content.decode()
    assert alliance.name in form_page
    assert other_alliance.name not in form_page

    data = need_data()
    post = {
        **{k: v for k, v in data.items() if k not in ("fields", "cooperation_modes")},
        "fields": [f.pk for f in data["fields"]],
        "expected_maturity": data["expected_maturity"].pk,
        "deadline": data["deadline"].isoformat(),
        "members_first_alliance": alliance.pk,
        "members_first_days": "120",
    }
    response = client.post("/needs/new/", post)

    assert response.status_code == 200
    assert "成员优先天数应在 1 到 90 天之间。" in response.content.decode()
    assert Need.objects.count() == 0

    response = client.post("/needs/new/", {**post, "members_first_days": "30"})
    need = Need.objects.get()
    assert response.status_code == 302
    assert (need.members_first_alliance, need.members_first_days) == (alliance, 30)


def test_a_user_outside_every_alliance_is_not_offered_the_choice(charlie: User) -> None:
    page = client_for(charlie).get("/needs/new/").content.decode()

    assert "members_first_alliance" not in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"members_first_alliance": "other", "members_first_days": 30}, "members_first_alliance"),
        ({"members_first_alliance": 999999, "members_first_days": 30}, "members_first_alliance"),
        ({"members_first_alliance": "own", "members_first_days": 91}, "members_first_days"),
        ({"members_first_alliance": "own", "members_first_days": "三十"}, "members_first_days"),
    ],
)
def test_the_api_answers_a_wrong_choice_with_a_400_in_chinese(
    mia: User,
    alliance: Alliance,
    other_alliance: Alliance,
    changes: dict[str, Any],
    field: str,
) -> None:
    ids = {"own": alliance.pk, "other": other_alliance.pk}
    body = {
        "title": "新能源汽车电池包轻量化",
        "summary": "电池包壳体减重百分之二十的复合材料方案。",
        "fields": ["0403"],
        "region_code": "370100",
        **changes,
    }
    body["members_first_alliance"] = ids.get(
        body["members_first_alliance"], body["members_first_alliance"]
    )
    api = APIClient()
    api.force_authenticate(mia)

    response = api.post("/api/results/", body, format="json")

    assert response.status_code == 400
    assert _chinese(response.json()[field])
    assert Result.objects.count() == 0


def test_the_api_sets_it_and_shows_it(mia: User, alliance: Alliance) -> None:
    api = APIClient()
    api.force_authenticate(mia)

    response = api.post(
        "/api/results/",
        {
            "title": "新能源汽车电池包轻量化",
            "summary": "电池包壳体减重百分之二十的复合材料方案。",
            "fields": ["0403"],
            "region_code": "370100",
            "members_first_alliance": alliance.pk,
            "members_first_days": 45,
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["members_first"] == {
        "alliance": {"id": alliance.pk, "name": alliance.name},
        "days": 45,
        "until": None,
        "active": False,
    }
