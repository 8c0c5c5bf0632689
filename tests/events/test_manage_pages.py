"""The staff pages of an event: create it, venues, postings (attach, import), registrations,
requests, the schedule (solve, pin) and outcomes, through the browser and its forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Organization, User
from matching.models import Match, MatchStatus
from portal.events import registrations, requests
from portal.events.models import Event, EventPosting, Meeting, MeetingRequest, Registration, Venue
from portal.models import Need, PostingStatus, Result, TechField
from tests.accounts.factories import OrganizationFactory, member
from tests.events.conftest import World, make_event
from tests.portal import factories as registers
from tests.portal.import_files import need_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def manage_url(event: Event, action: str = "") -> str:
    return f"/events/{event.pk}/manage/{action}"


def texts(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def page(client: Client, event: Event, query: str = "") -> str:
    response = client.get(manage_url(event) + query)
    assert response.status_code == 200
    return str(response.content.decode())


def event_data(**extra: object) -> dict[str, object]:
    start = timezone.localdate() + dt.timedelta(days=20)
    data: dict[str, object] = {
        "title": "2026 济南新材料产学研对接会",
        "summary": "新材料领域企业与高校对接。",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=1)).isoformat(),
        "registration_deadline": f"{start - dt.timedelta(days=5)}T18:00",
        "request_cutoff": f"{start - dt.timedelta(days=2)}T18:00",
        "region_code": "370100",
        "organizer_name": "济南市科学技术局",
        "fields": [TechField.objects.get(code="0403").pk],
        "day_start": "09:00",
        "slot_minutes": "30",
        "slots_per_day": "6",
    }
    data.update(extra)
    return data


def venue_data(**extra: object) -> dict[str, object]:
    return {"kind": "main", "name": "主会场", "address": "济南市历下区 1 号", "capacity": "100",
            "tables": "3", **extra}  # fmt: skip


# ------------------------------------------------------------------------- event, venues


def test_staff_creates_an_event_and_adds_a_main_and_a_branch_venue(staff_client: Client) -> None:
    form = staff_client.get("/events/new/").content.decode()
    assert '<option value="370100" selected>' in form  # prefilled from the bureau

    response = staff_client.post("/events/new/", event_data())

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == manage_url(event) + "#venues"
    assert event.status == Event.Status.DRAFT
    assert event.slots.count() == 12
    assert [f.code for f in event.fields.all()] == ["0403"]
    for data in (
        venue_data(),
        venue_data(kind="branch", name="淄博分会场", address="淄博市张店区 2 号"),
    ):
        response = staff_client.post(manage_url(event, "venues/new/"), data)
        assert response.status_code == 302, texts(response)
    assert sorted(event.venues.values_list("kind", flat=True)) == ["branch", "main"]
    html = page(staff_client, event)
    assert "淄博分会场" in html
    assert "淄博市张店区 2 号" in html

    staff_client.post(manage_url(event, "publish/"))
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


def test_the_event_form_shows_the_services_errors_in_chinese(staff_client: Client) -> None:
    start = timezone.localdate() + dt.timedelta(days=20)
    data = event_data(registration_deadline=f"{start + dt.timedelta(days=5)}T18:00")

    response = staff_client.post("/events/new/", data)

    assert response.status_code == 200
    assert "报名截止时间不能晚于活动结束日期。" in response.content.decode()
    assert not Event.objects.exists()


def test_an_end_before_the_start_is_explained_in_chinese(staff_client: Client) -> None:
    start = timezone.localdate() + dt.timedelta(days=20)
    data = event_data(end_date=(start - dt.timedelta(days=1)).isoformat())

    response = staff_client.post("/events/new/", data)

    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert not Event.objects.exists()


def test_staff_edit_the_event_and_its_slots_follow(world: World, staff_client: Client) -> None:
    form = staff_client.get(f"/events/{world.event.pk}/edit/").content.decode()
    assert world.event.title in form

    data = event_data(
        start_date=world.event.start_date.isoformat(),
        end_date=world.event.end_date.isoformat(),
        registration_deadline=timezone.localtime(world.event.registration_deadline).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        request_cutoff=timezone.localtime(world.event.request_cutoff).strftime("%Y-%m-%dT%H:%M"),
        slots_per_day="8",
    )
    response = staff_client.post(f"/events/{world.event.pk}/edit/", data)

    assert response.status_code == 302
    assert world.event.slots.count() == 8


def test_a_second_event_at_the_same_address_on_overlapping_days_is_refused(
    world: World, staff: User, staff_client: Client
) -> None:
    other = make_event(staff, title="同期另一场活动")
    same_place = venue_data(address="济南市历下区1号")  # the world's main venue, spaced apart

    response = staff_client.post(manage_url(other, "venues/new/"), same_place)

    assert response.status_code == 200
    html = response.content.decode()
    assert "该地址在" in html
    assert "已有活动“2026 济南产学研对接会”，日期冲突。" in html
    assert not other.venues.exists()
    assert Venue.objects.count() == 2


def test_venues_are_edited_and_deleted(world: World, staff_client: Client) -> None:
    url = manage_url(world.event, f"venues/{world.branch.pk}/")
    assert "淄博市张店区 2 号" in staff_client.get(url).content.decode()

    staff_client.post(
        url, venue_data(kind="branch", name="分会场", address="淄博市张店区 2 号", tables="4")
    )
    world.branch.refresh_from_db()
    assert world.branch.tables == 4

    refused = staff_client.post(
        manage_url(world.event, f"venues/{world.main.pk}/delete/"), follow=True
    )
    assert "已有报名或洽谈安排的会场不能删除。" in texts(refused)
    staff_client.post(manage_url(world.event, f"venues/{world.branch.pk}/delete/"))
    assert list(world.event.venues.all()) == [world.main]


# ---------------------------------------------------------------------------- postings


def test_staff_find_needs_with_the_filter_form_and_attach_them(
    world: World, staff_client: Client
) -> None:
    wanted = registers.NeedFactory(title="汽车保险杠低温冲击开裂")
    other_field = TechField.objects.exclude(code__startswith="04").filter(parent=None).first()
    assert other_field is not None
    elsewhere = registers.NeedFactory(title="保险杠涂装", fields=[other_field])
    draft = registers.NeedFactory(title="保险杠模具", status=PostingStatus.DRAFT)

    html = page(staff_client, world.event, "?kind=need&q=保险杠&field=04&region=")

    assert f'name="need_ids" value="{wanted.pk}"' in html
    assert f'value="{elsewhere.pk}"' not in html  # another field
    assert f'value="{draft.pk}"' not in html  # not published
    assert f'name="need_ids" value="{world.need.pk}"' not in html  # already attached

    response = staff_client.post(
        manage_url(world.event, "postings/attach/"), {"need_ids": [wanted.pk]}
    )
    assert response.status_code == 302
    assert world.event.postings.filter(need=wanted).exists()


def test_roadshow_order_is_saved_and_rows_are_detached(world: World, staff_client: Client) -> None:
    need_row = world.event.postings.get(need=world.need)
    result_row = world.event.postings.get(result=world.result)

    staff_client.post(
        manage_url(world.event, "postings/"),
        {"action": "order", f"order_{need_row.pk}": "2", f"order_{result_row.pk}": "1"},
    )
    assert list(world.event.postings.order_by("roadshow_order").values_list("pk", flat=True)) == [
        result_row.pk,
        need_row.pk,
    ]

    staff_client.post(
        manage_url(world.event, "postings/"), {"action": "detach", "detach": [need_row.pk]}
    )
    assert list(world.event.postings.all()) == [result_row]
    assert Need.objects.filter(pk=world.need.pk).exists()


def test_a_spreadsheet_of_new_needs_joins_the_event_in_review(
    world: World, staff_client: Client
) -> None:
    upload = SimpleUploadedFile("needs.xlsx", xlsx_bytes(need_rows(3)))

    response = staff_client.post(
        manage_url(world.event, "postings/import/"), {"kind": "need", "file": upload}
    )

    assert response.status_code == 302
    imported = Need.objects.exclude(pk=world.need.pk)
    assert imported.count() == 3
    assert set(imported.values_list("status", flat=True)) == {PostingStatus.SUBMITTED}
    assert EventPosting.objects.filter(event=world.event, need__in=imported).count() == 3
    assert "待审核" in page(staff_client, world.event)


def test_a_spreadsheet_with_bad_rows_saves_nothing_and_lists_them(
    world: World, staff_client: Client
) -> None:
    rows = need_rows(3, bad_rows={1: {"所在地区": "999999"}})
    upload = SimpleUploadedFile("needs.xlsx", xlsx_bytes(rows))

    response = staff_client.post(
        manage_url(world.event, "postings/import/"), {"kind": "need", "file": upload}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-report"' in html
    assert "所在地区" in html
    assert Need.objects.count() == 1
    assert world.event.postings.count() == 2
    assert "/needs/import/template/" in html


# ----------------------------------------------------------------------- registrations


def _charlie_registers(world: World, charlie: User, org_b: Organization) -> Registration:
    need = registers.NeedFactory(organization=org_b, created_by=charlie, title="印染废水脱色")
    return registrations.registration_create(
        user=charlie, event=world.event, venue_id=world.main.pk, need_ids=[need.pk]
    )


def test_staff_approve_and_reject_registrations(
    world: World, staff_client: Client, charlie: User, org_b: Organization
) -> None:
    reg = _charlie_registers(world, charlie, org_b)
    url = manage_url(world.event, f"registrations/{reg.pk}/decide/")
    assert "乙企业有限公司" in page(staff_client, world.event)

    refused = staff_client.post(url, {"approve": "0", "reason": " "}, follow=True)
    assert "请填写未通过原因。" in texts(refused)
    reg.refresh_from_db()
    assert reg.status == Registration.Status.PENDING

    staff_client.post(url, {"approve": "0", "reason": "与本次活动主题不符"})
    reg.refresh_from_db()
    assert (reg.status, reg.reject_reason) == (Registration.Status.REJECTED, "与本次活动主题不符")

    staff_client.post(url, {"approve": "1"})
    reg.refresh_from_db()
    assert reg.status == Registration.Status.APPROVED


# ---------------------------------------------------------------------------- requests


def test_the_engine_proposes_meetings_and_staff_accept_them(
    world: World, staff_client: Client
) -> None:
    Match.objects.create(kind="need_result", need=world.need, result=world.result, score=1.5)

    response = staff_client.post(manage_url(world.event, "requests/propose/"), follow=True)
    assert "系统新推荐了 1 场洽谈，请勾选确认后发给需求方。" in texts(response)
    proposal = MeetingRequest.objects.get()
    assert f'id="proposal-{proposal.pk}"' in response.content.decode()

    staff_client.post(manage_url(world.event, "requests/accept/"), {"ids": [proposal.pk]})
    proposal.refresh_from_db()
    assert proposal.status == MeetingRequest.Status.PENDING
    assert proposal.invitee == world.alice_reg


# ---------------------------------------------------------------------------- schedule


def _accepted(
    world: World, asker: User, answerer: User, invitee: Registration, **pair: Any
) -> MeetingRequest:
    req = requests.meeting_request_create(
        user=asker, event=world.event, invitee_id=invitee.pk, **pair
    )
    return requests.meeting_request_respond(user=answerer, request_id=req.pk, accept=True)


@pytest.fixture
def busy_world(
    world: World, alice: User, dora: User, charlie: User, org_b: Organization, staff: User
) -> tuple[World, MeetingRequest, MeetingRequest]:
    """alice ↔ dora can meet in the first two slots; charlie ↔ dora share no slot."""
    slots = list(world.event.slots.order_by("starts_at").values_list("pk", flat=True))
    charlie_reg = _charlie_registers(world, charlie, org_b)
    registrations.registration_decide(user=staff, registration=charlie_reg, approve=True)
    registrations.registration_update(user=dora, registration=world.dora_reg, slot_ids=slots[:2])
    registrations.registration_update(user=charlie, registration=charlie_reg, slot_ids=slots[2:])
    met = _accepted(
        world, alice, dora, world.dora_reg, need_id=world.need.pk, result_id=world.result.pk
    )
    apart = _accepted(world, charlie, dora, world.dora_reg)
    return world, met, apart


def test_solving_fills_the_grid_and_reports_why_the_rest_is_unplaced(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client
) -> None:
    world, met, apart = busy_world

    response = staff_client.post(manage_url(world.event, "schedule/solve/"), follow=True)

    assert "排程完成：2 场待排，已排入 1 场，未排入 1 场。" in texts(response)
    assert f'href="/events/{world.event.pk}/tables/"' in response.content.decode()
    meeting = Meeting.objects.get()
    assert meeting.request == met
    html = response.content.decode()
    cell = html.split(f'id="cell-{meeting.pk}"', 1)[1].split("</td>", 1)[0]
    assert "甲企业有限公司" in cell
    assert "丙大学" in cell
    unplaced = html.split(f'id="unplaced-{apart.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "双方没有共同的空闲时段" in unplaced
    assert "乙企业有限公司" in unplaced


def test_a_pinned_meeting_stays_where_staff_put_it_when_solved_again(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client
) -> None:
    world, met, _apart = busy_world
    staff_client.post(manage_url(world.event, "schedule/solve/"))
    last_slot = world.event.slots.order_by("starts_at").last()
    assert last_slot is not None
    assert "?pin=" in page(staff_client, world.event)

    response = staff_client.post(
        manage_url(world.event, "schedule/pin/"),
        {"request": met.pk, "slot": last_slot.pk, "venue": world.main.pk, "table": 2},
        follow=True,
    )
    (said,) = texts(response)
    assert said.startswith("已固定到")
    assert "排程完成" in said
    staff_client.post(manage_url(world.event, "schedule/solve/"))

    meeting = Meeting.objects.get(request=met)
    assert (meeting.slot, meeting.venue, meeting.table, meeting.pinned) == (
        last_slot, world.main, 2, True,
    )  # fmt: skip
    assert "已固定" in page(staff_client, world.event)

    staff_client.post(manage_url(world.event, f"schedule/{meeting.pk}/unpin/"))
    meeting.refresh_from_db()
    assert not meeting.pinned


def test_a_pin_to_a_table_that_does_not_exist_is_refused_in_chinese(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client
) -> None:
    world, met, _apart = busy_world
    slot = world.event.slots.first()
    assert slot is not None

    response = staff_client.post(
        manage_url(world.event, "schedule/pin/"),
        {"request": met.pk, "slot": slot.pk, "venue": world.branch.pk, "table": 9},
        follow=True,
    )

    assert "桌号须在 1 到 1 之间。" in texts(response)
    assert not Meeting.objects.exists()


def test_publishing_the_schedule_tells_the_participants(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client
) -> None:
    world, _met, _apart = busy_world
    empty = staff_client.post(manage_url(world.event, "schedule/publish/"), follow=True)
    assert "日程为空，请先排程。" in texts(empty)

    staff_client.post(manage_url(world.event, "schedule/solve/"))
    response = staff_client.post(manage_url(world.event, "schedule/publish/"), follow=True)

    assert "日程已发布，已通知 3 家参会单位。" in texts(response)


# ---------------------------------------------------------------------------- outcomes


def test_an_intention_recorded_by_staff_makes_one_pair(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client, staff: User
) -> None:
    world, met, _apart = busy_world
    staff_client.post(manage_url(world.event, "schedule/solve/"))
    meeting = Meeting.objects.get(request=met)
    url = manage_url(world.event, f"meetings/{meeting.pk}/outcome/")

    early = staff_client.post(url, {"outcome": "intention"}, follow=True)
    assert "活动开始后才能记录洽谈结果。" in texts(early)

    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        staff_client.force_login(staff)  # the session of three weeks ago has expired
        staff_client.post(url, {"outcome": "intention", "note": "双方同意中试"})
        unsigned = staff_client.post(url, {"outcome": "signed"}, follow=True)
        html = page(staff_client, world.event)

    assert "现场签约请填写合同金额（万元）。" in texts(unsigned)
    pair = Match.objects.get()
    assert (pair.need, pair.result, pair.status) == (
        world.need,
        world.result,
        MatchStatus.INTENTION,
    )
    meeting.refresh_from_db()
    assert meeting.outcome == Meeting.Outcome.INTENTION
    assert f'href="/matching/pairs/{pair.pk}/"' in html


def test_a_meeting_without_a_named_pair_asks_for_it(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client, staff: User
) -> None:
    world, met, _apart = busy_world
    MeetingRequest.objects.filter(pk=met.pk).update(need=None, result=None)
    staff_client.post(manage_url(world.event, "schedule/solve/"))
    meeting = Meeting.objects.get(request=met)

    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        staff_client.force_login(staff)
        html = page(staff_client, world.event)
        staff_client.post(
            manage_url(world.event, f"meetings/{meeting.pk}/outcome/"),
            {"outcome": "follow_up", "need": world.need.pk, "offer": f"result-{world.result.pk}"},
        )

    assert f'<option value="result-{world.result.pk}">' in html
    assert Match.objects.get().status == MatchStatus.CONTACTED


def test_an_unplaced_request_pinned_by_hand_gets_an_outcome_and_its_pair(
    busy_world: tuple[World, MeetingRequest, MeetingRequest], staff_client: Client, staff: User
) -> None:
    """Once both sides of the pair are in Qingdao the Jinan staff may not open it, so the
    page names it without a link (which would 404)."""
    world, _met, apart = busy_world
    slot = world.event.slots.order_by("starts_at").first()
    assert slot is not None
    staff_client.post(
        manage_url(world.event, "schedule/pin/"),
        {"request": apart.pk, "slot": slot.pk, "venue": world.main.pk, "table": 1},
    )
    meeting = Meeting.objects.get(request=apart)
    charlie_need = world.event.registrations.get(organization__name="乙企业有限公司").needs.get()

    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        staff_client.force_login(staff)
        staff_client.post(
            manage_url(world.event, f"meetings/{meeting.pk}/outcome/"),
            {"outcome": "intention", "need": charlie_need.pk, "offer": f"result-{world.result.pk}"},
        )
        pair = Match.objects.get(need=charlie_need)
        assert f'href="/matching/pairs/{pair.pk}/"' in page(staff_client, world.event)
        Need.objects.filter(pk=charlie_need.pk).update(region_code="370200")
        Result.objects.filter(pk=world.result.pk).update(region_code="370200")
        html = page(staff_client, world.event)

    assert pair.status == MatchStatus.INTENTION
    assert f"#{pair.pk}" in html
    assert f"/matching/pairs/{pair.pk}/" not in html


# ------------------------------------------------------------------------------ access


def test_people_who_are_not_staff_get_403(world: World, alice_client: Client) -> None:
    assert alice_client.get("/events/new/").status_code == 403
    assert alice_client.get(manage_url(world.event)).status_code == 403
    assert alice_client.get(f"/events/{world.event.pk}/edit/").status_code == 403
    response = alice_client.post(
        manage_url(world.event, f"registrations/{world.alice_reg.pk}/decide/"), {"approve": "0"}
    )
    assert response.status_code == 403
    assert Client().get(manage_url(world.event)).status_code == 302  # to the login page


def test_staff_of_another_region_get_403_and_do_not_see_drafts(world: World, staff: User) -> None:
    guangzhou = OrganizationFactory(
        name="广州市科学技术局", org_type="bureau", region_code="440100"
    )
    client = Client()
    client.force_login(member("gz_staff", guangzhou, Membership.Role.STAFF))
    draft = make_event(staff, title="筹备中的活动")

    assert client.get(manage_url(world.event)).status_code == 403
    assert client.post(manage_url(world.event, "schedule/solve/")).status_code == 403
    assert client.post(manage_url(world.event, "venues/new/"), venue_data()).status_code == 403
    assert client.get(manage_url(draft)).status_code == 404
    assert client.get(f"/events/{draft.pk}/edit/").status_code == 404
    assert client.get("/events/new/").status_code == 200
    assert '<option value="370100"' not in client.get("/events/new/").content.decode()
