"""The dispatch pages (产业特派员) through the browser: create, volunteer, solve, publish,
log a visit, rate it, propose a cooperation and read the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from portal.dispatch.models import Assignment, Round, Visit, Volunteer
from tests.dispatch import test_services

pytestmark = pytest.mark.django_db

# The services' fixtures, shared (that module is not a conftest).
field = test_services.field
world = test_services.world


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_list_and_nav_show_rounds(world, client) -> None:  # type: ignore[no-untyped-def]
    page = client.get(reverse("dispatch:list"))
    assert page.status_code == 200
    assert world["round"].title in page.content.decode()
    assert "产业特派员" in page.content.decode()


def test_staff_create_a_round_through_the_form(staff_client, field) -> None:  # type: ignore[no-untyped-def]
    assert staff_client.get(reverse("dispatch:create")).status_code == 200
    today = timezone.localdate()
    response = staff_client.post(
        reverse("dispatch:create"),
        {
            "title": "第二批特派员",
            "region_code": "370100",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=90)).isoformat(),
            "min_score": "0.3",
            "visit_due_days": "10",
            "fields": [field.pk],
        },
    )
    round_ = Round.objects.get(title="第二批特派员")
    assert response.status_code == 302
    assert round_.visit_due_days == 10
    assert list(round_.fields.all()) == [field]
    page = staff_client.get(response["Location"])
    assert page.status_code == 200
    assert "开放报名" in page.content.decode()


def test_enterprise_cannot_create_a_round(alice_client) -> None:  # type: ignore[no-untyped-def]
    assert alice_client.get(reverse("dispatch:create")).status_code == 403


def _volunteer(client: Client, round_: Round, field_pk: int, capacity: str = "3"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("dispatch:volunteer", args=[round_.pk]),
        {"capacity": capacity, "fields_": [field_pk], "districts": ["370100"]},
    )


def test_volunteering_with_capacity_zero_is_refused_in_chinese(world, field) -> None:  # type: ignore[no-untyped-def]
    prof = _client(world["prof"])
    page = prof.get(reverse("dispatch:detail", args=[world["round"].pk]))
    assert 'id="volunteer-submit"' in page.content.decode()
    response = _volunteer(prof, world["round"], field.pk, capacity="0")
    assert response.status_code == 200
    assert "1 到 50" in response.content.decode()
    assert not Volunteer.objects.exists()


def _published(world, staff_client, field) -> Assignment:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    assert _volunteer(_client(world["prof"]), round_, field.pk).status_code == 302
    assert Volunteer.objects.get().capacity == 3
    staff_client.post(reverse("dispatch:solve", args=[round_.pk]))
    page = staff_client.get(reverse("dispatch:detail", args=[round_.pk]))
    assert "王教授" in page.content.decode()
    assert "注塑件缩痕问题" in page.content.decode()
    staff_client.post(reverse("dispatch:publish", args=[round_.pk]))
    assert Round.objects.get(pk=round_.pk).status == Round.Status.PUBLISHED
    return Assignment.objects.get()


def test_publishing_without_assignments_is_refused_as_a_message(world, staff_client) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    response = staff_client.post(reverse("dispatch:publish", args=[round_.pk]), follow=True)
    assert "尚无派遣安排" in response.content.decode()
    assert Round.objects.get(pk=round_.pk).status == Round.Status.OPEN


def test_unserved_enterprise_shows_its_reason(world, staff_client) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    staff_client.post(reverse("dispatch:solve", args=[round_.pk]))
    page = staff_client.get(reverse("dispatch:detail", args=[round_.pk]))
    assert "无达到最低分的专家" in page.content.decode()


def test_the_whole_round_through_the_pages(world, staff_client, alice, charlie, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff_client, field)
    prof = _client(world["prof"])
    mine = prof.get(reverse("dispatch:mine"))
    assert "记录服务" in mine.content.decode()
    url = reverse("dispatch:visit-log", args=[row.pk])
    assert prof.get(url).status_code == 200
    # Someone else cannot log a visit of this assignment.
    assert _client(charlie).get(url).status_code in (403, 404)
    assert _client(alice).post(url, {}).status_code in (403, 404)
    today = timezone.localdate()
    response = prof.post(
        url,
        {
            "date": today.isoformat(),
            "mode": "onsite",
            "problem": "注塑件缩痕",
            "advice": "延长保压时间",
            "next_step": "试制样件",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.logged_by == world["prof"]
    # The enterprise rates it.
    alice_client = _client(alice)
    assert "确认并评价" in alice_client.get(reverse("dispatch:mine")).content.decode()
    rate_url = reverse("dispatch:visit-rate", args=[visit.pk])
    assert _client(charlie).get(rate_url).status_code == 403
    assert alice_client.post(rate_url, {"rating": "5", "comment": "很有帮助"}).status_code == 302
    visit.refresh_from_db()
    assert visit.rating == 5
    assert visit.confirmed_at is not None
    # The expert proposes a cooperation on the visit.
    page = prof.get(url)
    assert "提出合作" in page.content.decode()
    prof.post(reverse("dispatch:visit-propose", args=[visit.pk]), {"need": world["need"].pk})
    pair = Match.objects.get(need=world["need"], expert=world["expert"])
    visit.refresh_from_db()
    assert visit.match == pair
    assert reverse("matching:match-detail", args=[pair.pk]) in prof.get(url).content.decode()
    # The ledger shows the visit.
    ledger = staff_client.get(reverse("dispatch:ledger", args=[row.round_id]))
    text = ledger.content.decode()
    assert ledger.status_code == 200
    assert "注塑件缩痕" in text
    assert "材料研究院" in text
    assert _client(alice).get(reverse("dispatch:ledger", args=[row.round_id])).status_code == 403


def test_a_future_visit_is_refused_on_the_form(world, staff_client, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff_client, field)
    response = _client(world["prof"]).post(
        reverse("dispatch:visit-log", args=[row.pk]),
        {
            "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "mode": "remote",
            "problem": "缩痕",
            "advice": "保压",
        },
    )
    assert response.status_code == 200
    assert "晚于今天" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_enterprise_sets_its_exclusions(world, alice) -> None:  # type: ignore[no-untyped-def]
    round_ = world["round"]
    institute = world["expert"].organization
    client = _client(alice)
    page = client.get(reverse("dispatch:detail", args=[round_.pk]))
    assert 'id="exclusions-submit"' in page.content.decode()
    client.post(reverse("dispatch:exclusions", args=[round_.pk]), {"excluded": [institute.pk]})
    assert list(round_.enterprises.get().excluded.all()) == [institute]


def test_a_field_outside_the_round_is_refused_on_its_field(world) -> None:  # type: ignore[no-untyped-def]
    from portal.models import TechField

    other = TechField.objects.exclude(pk__in=world["round"].fields.all()).order_by("pk").first()
    response = _client(world["prof"]).post(
        reverse("dispatch:volunteer", args=[world["round"].pk]),
        {"capacity": "2", "fields_": [other.pk], "districts": ["370100"]},
    )
    assert response.status_code == 200
    assert not Volunteer.objects.exists()


def test_volunteering_after_publication_shows_the_refusal(world, staff_client, field) -> None:  # type: ignore[no-untyped-def]
    _published(world, staff_client, field)
    response = _volunteer(_client(world["prof"]), world["round"], field.pk, capacity="5")
    assert response.status_code == 200
    assert "不在报名期" in response.content.decode()
    assert Volunteer.objects.get().capacity == 3
