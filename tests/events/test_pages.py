"""The public and participant pages of an event, driven through the browser forms: the
list, the event page (postings, registration, requests), agendas, the .ics file, the table
sheets and the outcome form."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client
from icalendar import Calendar

from accounts.models import User
from matching.models import Match, MatchStatus
from portal.events import requests, schedule, services
from portal.events.models import Meeting, MeetingRequest, Registration
from portal.models import PostingStatus, TechField
from tests.events.conftest import World, make_event
from tests.matching.factories import NeedFactory

pytestmark = pytest.mark.django_db


def client_of(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def detail(world: World) -> str:
    return f"/events/{world.event.pk}/"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def slot_ids(world: World) -> list[int]:
    return list(world.event.slots.values_list("pk", flat=True))


def accepted_request(world: World, alice: User, dora: User) -> MeetingRequest:
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk,
        need_id=world.need.pk, result_id=world.result.pk,
    )  # fmt: skip
    return requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)


def event_day(world: World) -> dt.datetime:
    """10:00 on the first day of the event (outcomes are recorded from then on)."""
    return dt.datetime.combine(world.event.start_date, dt.time(10), ZoneInfo("Asia/Shanghai"))


def scheduled(world: World, alice: User, dora: User, staff: User) -> Meeting:
    req = accepted_request(world, alice, dora)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    return Meeting.objects.get(request=req)


# ----------------------------------------------------------------------- list and page


def test_list_shows_open_events_with_deadline_and_counts_and_drafts_only_to_their_staff(
    world: World, staff: User
) -> None:
    draft = make_event(staff, days_ahead=30, title="筹备中的对接会")

    public = page(client_of(None), "/events/")
    staff_page = page(client_of(staff), "/events/")

    assert world.event.title in public
    assert "报名中" in public
    assert (
        world.event.registration_deadline.astimezone(ZoneInfo("Asia/Shanghai")).strftime(
            "%Y-%m-%d %H:%M"
        )
        in public
    )
    assert "发布项目 2 项 · 参会单位 2 家" in public
    assert "主会场 · 主会场" in public
    assert draft.title not in public
    assert draft.title in staff_page
    assert "筹备中" in staff_page
    assert client_of(None).get(f"/events/{draft.pk}/").status_code == 404


def test_public_page_groups_postings_by_field_in_roadshow_order_and_hides_unpublished(
    world: World, staff: User, alice: User, org_a
) -> None:
    software, materials = TechField.objects.get(code="0101"), TechField.objects.get(code="05")
    world.need.fields.set([software])
    world.result.fields.set([materials])
    second = NeedFactory(organization=org_a, created_by=alice, title="软件需求二")
    second.fields.set([software])
    hidden = NeedFactory(organization=org_a, created_by=alice, title="已关闭的需求")
    services.postings_attach(user=staff, event=world.event, need_ids=[second.pk, hidden.pk])
    hidden.status = PostingStatus.CLOSED
    hidden.save(update_fields=["status"])
    rows = {p.posting.pk: p.pk for p in world.event.postings.exclude(need=None)}
    result_row = world.event.postings.get(result=world.result).pk
    services.roadshow_order_set(
        user=staff,
        event=world.event,
        ordered_ids=[result_row, rows[second.pk], rows[world.need.pk]],
    )

    html = page(client_of(None), detail(world))

    assert "已关闭的需求" not in html
    assert html.index(materials.name) < html.index(software.name)  # the roadshow opens with it
    assert html.index("软件需求二") < html.index("高盐废水处理")
    assert f'href="/needs/{second.pk}/"' in html
    assert f'href="/results/{world.result.pk}/"' in html
    assert "济南市历下区 1 号" in html
    assert "200" in html


def test_anonymous_sees_a_login_link_and_no_registration_form(world: World) -> None:
    html = page(client_of(None), detail(world))

    assert 'id="register-form"' not in html
    assert 'id="login-to-register"' in html
    assert f"/accounts/login/?next=/events/{world.event.pk}/" in html


# ------------------------------------------------------------------------- registration


def test_a_new_enterprise_registers_through_the_form_and_sees_pending(
    world: World, charlie: User, org_b
) -> None:
    need = NeedFactory(organization=org_b, created_by=charlie, title="乙企业的需求")
    client = client_of(charlie)
    form_html = page(client, detail(world))
    assert 'id="register-form"' in form_html
    assert "乙企业的需求" in form_html
    assert form_html.count('name="available_slots"') == 4
    assert form_html.count("checked") >= 4  # every slot ticked by default

    response = client.post(
        f"/events/{world.event.pk}/register/",
        {"venue": world.branch.pk, "needs": [need.pk], "attendees": 2, "meeting_cap": 3,
         "available_slots": slot_ids(world)[:2]},
        follow=True,
    )  # fmt: skip

    html = response.content.decode()
    reg = Registration.objects.get(event=world.event, organization=org_b)
    assert (reg.status, reg.venue, reg.attendees, reg.meeting_cap) == (
        "pending",
        world.branch,
        2,
        3,
    )
    assert sorted(reg.available_slots.values_list("pk", flat=True)) == slot_ids(world)[:2]
    assert "待审核" in html
    assert 'id="register-form"' not in html


def test_registering_twice_shows_the_chinese_error_and_saves_nothing(
    world: World, alice: User
) -> None:
    response = client_of(alice).post(
        f"/events/{world.event.pk}/register/",
        {"venue": world.main.pk, "needs": [world.need.pk], "attendees": 1, "meeting_cap": 6,
         "available_slots": slot_ids(world)},
    )  # fmt: skip

    assert response.status_code == 200
    assert "贵单位已报名该活动，请勿重复报名。" in response.content.decode()
    assert Registration.objects.filter(event=world.event).count() == 2


def test_availability_outside_the_event_slots_is_refused(
    world: World, charlie: User, org_b, staff: User
) -> None:
    need = NeedFactory(organization=org_b, created_by=charlie)
    other = make_event(staff, days_ahead=20, title="另一场对接会")
    foreign = other.slots.first()
    assert foreign is not None

    response = client_of(charlie).post(
        f"/events/{world.event.pk}/register/",
        {"venue": world.main.pk, "needs": [need.pk], "attendees": 1, "meeting_cap": 6,
         "available_slots": [foreign.pk]},
    )  # fmt: skip

    assert "所选时段不属于本活动的洽谈时段。" in response.content.decode()
    assert not Registration.objects.filter(organization=org_b).exists()


def test_someone_elses_need_is_refused_on_the_form(world: World, charlie: User) -> None:
    response = client_of(charlie).post(
        f"/events/{world.event.pk}/register/",
        {"venue": world.main.pk, "needs": [world.need.pk], "attendees": 1, "meeting_cap": 6,
         "available_slots": slot_ids(world)},
    )  # fmt: skip

    assert "只能选择本单位已发布的项目。" in response.content.decode()
    assert Registration.objects.filter(event=world.event).count() == 2


def test_registrant_edits_availability_and_cap_then_cancels(world: World, alice: User) -> None:
    client = client_of(alice)
    keep = slot_ids(world)[1:3]

    client.post(
        f"/events/{world.event.pk}/registration/", {"meeting_cap": 2, "available_slots": keep}
    )
    refused = client.post(
        f"/events/{world.event.pk}/registration/", {"meeting_cap": 40, "available_slots": keep}
    )

    world.alice_reg.refresh_from_db()
    assert world.alice_reg.meeting_cap == 2
    assert sorted(world.alice_reg.available_slots.values_list("pk", flat=True)) == keep
    assert "最多洽谈场数须在 1 到 32 之间。" in refused.content.decode()

    client.post(f"/events/{world.event.pk}/registration/cancel/")
    world.alice_reg.refresh_from_db()
    assert world.alice_reg.status == Registration.Status.CANCELLED


def test_a_rejected_registration_shows_the_reason(
    world: World, charlie: User, org_b, staff
) -> None:
    from portal.events import registrations

    need = NeedFactory(organization=org_b, created_by=charlie)
    reg = registrations.registration_create(
        user=charlie, event=world.event, venue_id=world.main.pk, need_ids=[need.pk]
    )
    registrations.registration_decide(
        user=staff, registration=reg, approve=False, reason="与本次重点领域不符"
    )

    html = page(client_of(charlie), detail(world))

    assert "未通过" in html
    assert "与本次重点领域不符" in html
    assert 'id="participants"' not in html


# ----------------------------------------------------------------------------- requests


def test_alice_asks_dora_through_the_page_and_dora_accepts_through_the_page(
    world: World, alice: User, dora: User
) -> None:
    alice_page = page(client_of(alice), detail(world))
    assert f'id="participant-{world.dora_reg.pk}"' in alice_page
    assert "催化臭氧氧化技术" in alice_page

    client_of(alice).post(
        f"/events/{world.event.pk}/requests/new/",
        {"invitee": world.dora_reg.pk, "need": world.need.pk,
         "offer": f"result:{world.result.pk}", "message": "想了解中试情况"},
    )  # fmt: skip
    req = MeetingRequest.objects.get()
    assert (req.requester, req.invitee, req.need, req.result) == (
        world.alice_reg, world.dora_reg, world.need, world.result,
    )  # fmt: skip
    dora_page = page(client_of(dora), detail(world))
    assert "想了解中试情况" in dora_page
    assert f"/events/{world.event.pk}/requests/{req.pk}/respond/" in dora_page

    client_of(dora).post(f"/events/{world.event.pk}/requests/{req.pk}/respond/", {"accept": "1"})

    req.refresh_from_db()
    assert req.status == MeetingRequest.Status.ACCEPTED
    assert "已接受" in page(client_of(alice), detail(world))


def test_a_bad_request_shows_the_service_error_on_its_form(
    world: World, alice: User, charlie: User
) -> None:
    response = client_of(alice).post(
        f"/events/{world.event.pk}/requests/new/",
        {"invitee": world.dora_reg.pk, "need": world.need.pk, "offer": "result:999999"},
    )
    html = response.content.decode()

    assert "所选成果或专家不是双方携带的项目。" in html
    assert not MeetingRequest.objects.exists()
    # An outsider cannot answer a request that is not theirs.
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    outsider = client_of(charlie).post(
        f"/events/{world.event.pk}/requests/{req.pk}/respond/", {"accept": "1"}
    )
    assert outsider.status_code == 404


def test_a_pending_registrant_is_told_why_it_cannot_ask_yet(
    world: World, charlie: User, org_b
) -> None:
    from portal.events import registrations

    need = NeedFactory(organization=org_b, created_by=charlie)
    registrations.registration_create(
        user=charlie, event=world.event, venue_id=world.main.pk, need_ids=[need.pk]
    )

    response = client_of(charlie).post(
        f"/events/{world.event.pk}/requests/new/", {"invitee": world.dora_reg.pk}
    )

    assert "您的报名尚未通过审核，暂不能预约洽谈。" in response.content.decode()
    assert not MeetingRequest.objects.exists()


def test_declining_keeps_the_reason_and_either_side_may_cancel(
    world: World, alice: User, dora: User
) -> None:
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    client_of(dora).post(
        f"/events/{world.event.pk}/requests/{req.pk}/respond/",
        {"accept": "0", "reason": "时间冲突"},
    )
    req.refresh_from_db()
    assert (req.status, req.decline_reason) == ("declined", "时间冲突")
    assert "时间冲突" in page(client_of(alice), detail(world))

    again = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    client_of(dora).post(f"/events/{world.event.pk}/requests/{again.pk}/cancel/")
    again.refresh_from_db()
    assert again.status == MeetingRequest.Status.CANCELLED


# ------------------------------------------------------------------ agenda and calendar


def test_both_sides_see_the_meeting_on_their_agenda_and_outsiders_get_404(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    meeting = scheduled(world, alice, dora, staff)
    alice_url = f"/events/{world.event.pk}/agenda/{world.alice_reg.pk}/"
    dora_url = f"/events/{world.event.pk}/agenda/{world.dora_reg.pk}/"

    alice_html = page(client_of(alice), alice_url)
    dora_html = page(client_of(dora), dora_url)

    assert f'id="meeting-{meeting.pk}"' in alice_html
    assert "丙大学" in alice_html
    assert "催化臭氧氧化技术" in alice_html
    assert "济南市历下区 1 号" in alice_html
    assert f'id="meeting-{meeting.pk}"' in dora_html
    assert "甲企业有限公司" in dora_html
    assert "css/print.css" in alice_html
    assert "data-print" in alice_html
    assert page(client_of(staff), alice_url).count(f'id="meeting-{meeting.pk}"') == 1
    assert client_of(charlie).get(alice_url).status_code == 404
    assert client_of(dora).get(alice_url).status_code == 404
    assert client_of(None).get(alice_url).status_code == 302  # to the login form
    assert f'id="meeting-{meeting.pk}"' in page(client_of(alice), detail(world))


def test_print_stylesheet_is_a4_with_chinese_fonts_and_hides_the_buttons() -> None:
    path = finders.find("css/print.css")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        css = handle.read()

    assert "@page { size: A4; margin: 15mm }" in css
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"' in css
    assert "@media print" in css


def test_the_ics_file_has_one_event_at_the_slot_time(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    meeting = scheduled(world, alice, dora, staff)
    url = f"/events/{world.event.pk}/agenda/{world.alice_reg.pk}/ics/"

    response = client_of(alice).get(url)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert ".ics" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert start == meeting.slot.starts_at
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert events[0].decoded("dtend") == meeting.slot.ends_at
    assert str(events[0]["uid"]) == f"meeting-{meeting.pk}@testserver"
    assert str(events[0]["summary"]) == "洽谈：丙大学"
    assert "济南市历下区 1 号" in str(events[0]["location"])
    assert client_of(charlie).get(url).status_code == 404


def test_table_sheets_are_for_the_staff_who_manage_the_event(
    world: World, alice: User, dora: User, staff: User
) -> None:
    scheduled(world, alice, dora, staff)
    url = f"/events/{world.event.pk}/tables/"

    html = page(client_of(staff), url)

    assert "甲企业有限公司" in html
    assert "丙大学" in html
    assert client_of(alice).get(url).status_code == 404
    staff_page, alice_page = (
        page(client_of(staff), detail(world)),
        page(client_of(alice), detail(world)),
    )
    assert f'href="{url}"' in staff_page
    assert f'href="/events/{world.event.pk}/manage/"' in staff_page
    assert f'href="{url}"' not in alice_page
    assert "/manage/" not in alice_page


# ------------------------------------------------------------------------------ outcome


def test_dora_records_an_intention_through_the_page_and_one_pair_reaches_intention(
    world: World, alice: User, dora: User, staff: User
) -> None:
    meeting = scheduled(world, alice, dora, staff)
    url = f"/events/{world.event.pk}/meetings/{meeting.pk}/outcome/"
    assert 'id="not-started"' in page(client_of(dora), url)

    with time_machine.travel(event_day(world)):
        form_html = page(client_of(dora), url)
        response = client_of(dora).post(
            url, {"outcome": "intention", "note": "同意中试"}, follow=True
        )

    assert 'id="outcome-form"' in form_html
    pair = Match.objects.get()
    assert (pair.need, pair.result, pair.status) == (
        world.need,
        world.result,
        MatchStatus.INTENTION,
    )
    html = response.content.decode()
    assert "达成意向" in html
    assert f'href="/matching/pairs/{pair.pk}/"' in html


def test_outcome_refused_by_the_service_is_shown_and_nothing_is_saved(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    meeting = scheduled(world, alice, dora, staff)
    url = f"/events/{world.event.pk}/meetings/{meeting.pk}/outcome/"

    with time_machine.travel(event_day(world)):
        response = client_of(alice).post(url, {"outcome": "signed"})
        outsider = client_of(charlie).get(url)

    assert "现场签约请填写合同金额（万元）。" in response.content.decode()
    assert not Match.objects.exists()
    assert outsider.status_code == 404


def test_outcome_asks_for_the_pair_when_the_request_named_none(
    world: World, alice: User, dora: User, staff: User
) -> None:
    req = requests.meeting_request_create(
        user=alice, event=world.event, invitee_id=world.dora_reg.pk
    )
    requests.meeting_request_respond(user=dora, request_id=req.pk, accept=True)
    schedule.schedule_solve(user=staff, event=world.event, time_limit=5)
    meeting = Meeting.objects.get(request=req)
    url = f"/events/{world.event.pk}/meetings/{meeting.pk}/outcome/"

    with time_machine.travel(event_day(world)):
        missing = client_of(alice).post(url, {"outcome": "follow_up"})
        client_of(alice).post(
            url,
            {"outcome": "follow_up", "need": world.need.pk, "offer": f"result:{world.result.pk}"},
        )

    assert "请选择本次洽谈涉及的需求" in missing.content.decode()
    assert Match.objects.get().status == MatchStatus.CONTACTED


def test_pages_fit_a_phone_tables_scroll_and_no_cdn(
    world: World, alice: User, dora: User, staff: User
) -> None:
    scheduled(world, alice, dora, staff)
    for client, url in (
        (client_of(alice), detail(world)),
        (client_of(alice), f"/events/{world.event.pk}/agenda/{world.alice_reg.pk}/"),
        (client_of(staff), f"/events/{world.event.pk}/tables/"),
        (client_of(None), "/events/"),
    ):
        html = page(client, url)
        assert html.count("<table") == html.count('class="table-responsive"'), url
        assert "cdn" not in html.lower(), url
        assert "<script>" not in html, url
