"""The events API (/api/events/): the whole story of a meeting, who may do what, bad input
answered with Chinese field messages, what each viewer sees, and the schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, User
from matching.models import Match
from portal.events import api_urls
from portal.events.models import Meeting, MeetingRequest, Registration, Slot
from tests.accounts.factories import OrganizationFactory, member
from tests.events.conftest import World, make_event
from tests.matching.factories import NeedFactory, ResultFactory
from tests.portal.import_files import need_rows, xlsx_bytes

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _fast_solver(settings: Any) -> None:
    settings.EVENTS_SCHEDULE_TIME_LIMIT = 5.0


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(world_or_event: Any, tail: str = "") -> str:
    event = getattr(world_or_event, "event", world_or_event)
    return f"/api/events/{event.pk}/{tail}"


def post(user: User | None, path: str, data: Any = None) -> Any:
    return api(user).post(path, data if data is not None else {}, format="json")


def field_error(response: Any, field: str, status: int = 400) -> str:
    """The Chinese message(s) the response gives for ``field``."""
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert field in body, body
    text = json.dumps(body[field], ensure_ascii=False)
    assert CJK.search(text), body
    return text


def _request(world: World, alice: User, **extra: Any) -> Any:
    data = {"invitee": world.dora_reg.pk, "need_id": world.need.pk, "result_id": world.result.pk}
    return post(alice, url(world, "meeting-requests/"), {**data, **extra})


def _scheduled(world: World, alice: User, dora: User, staff: User) -> dict[str, Any]:
    """A request accepted and solved into the schedule: the meeting as staff see it."""
    req = _request(world, alice, message="想了解中试情况").json()
    assert post(dora, url(world, f"meeting-requests/{req['id']}/accept/")).status_code == 200
    run = post(staff, url(world, "schedule/solve/"))
    assert run.status_code == 200, run.content
    assert (run.json()["placed"], run.json()["unplaced"]) == (1, [])
    return api(staff).get(url(world, "schedule/")).json()["results"][0]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ the story


def test_request_accept_solve_schedule_outcome_one_pair(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    created = _request(world, alice, message="想了解中试情况")
    assert created.status_code == 201, created.content
    req = created.json()
    assert (req["status"], req["requester"]["registration"]) == ("pending", world.alice_reg.pk)
    assert req["need"] == {"id": world.need.pk, "title": "高盐废水处理"}
    assert api(dora).get(url(world, "meeting-requests/")).json()["count"] == 1
    assert api(charlie).get(url(world, "meeting-requests/")).json()["count"] == 0
    accepted = post(dora, url(world, f"meeting-requests/{req['id']}/accept/"))
    assert accepted.json()["status"] == "accepted"

    run = post(staff, url(world, "schedule/solve/")).json()
    assert (run["requests"], run["placed"], run["optimal"], run["unplaced"]) == (1, 1, True, [])
    for party in (alice, dora):
        page = api(party).get(url(world, "schedule/")).json()
        assert page["count"] == 1
        assert page["run"] is None
        meeting = page["results"][0]
        assert meeting["venue"]["name"] == "主会场"
        assert 1 <= meeting["table"] <= 2
        assert meeting["slot"]["starts_at"]
        assert meeting["request"] == req["id"]
        names = {
            meeting["requester"]["organization"]["name"],
            meeting["invitee"]["organization"]["name"],
        }
        assert names == {"甲企业有限公司", "丙大学"}
    assert api(charlie).get(url(world, "schedule/")).json()["count"] == 0
    staff_page = api(staff).get(url(world, "schedule/")).json()
    assert staff_page["run"]["placed"] == 1
    assert staff_page["run"]["id"] == run["id"]

    mid = staff_page["results"][0]["id"]
    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        done = post(
            alice,
            url(world, f"meetings/{mid}/outcome/"),
            {"outcome": "intention", "note": "同意中试"},
        )
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["outcome"], body["match_status"], body["pinned"]) == (
        "intention",
        "intention",
        True,
    )
    pair = Match.objects.get()
    assert body["match"] == pair.pk
    pairs = api(alice).get("/api/matches/").json()
    assert [(p["id"], p["status"]) for p in pairs["results"]] == [(pair.pk, "intention")]
    stats = api().get(url(world, "stats/")).json()
    assert (stats["scheduled"], stats["intentions"], stats["pairs"]) == (1, 1, 1)


def test_staff_tools_over_the_api(world: World, alice: User, dora: User, staff: User) -> None:
    Match.objects.create(kind="need_result", need=world.need, result=world.result, score=2)
    assert post(staff, url(world, "meeting-requests/propose/")).json() == {"count": 1}
    proposed = api(staff).get(url(world, "meeting-requests/"), {"status": "proposed"}).json()
    assert api(alice).get(url(world, "meeting-requests/")).json()["count"] == 0  # not yet sent
    ids = [r["id"] for r in proposed["results"]]
    assert post(staff, url(world, "meeting-requests/accept-proposals/"), {"ids": ids}).json() == {
        "count": 1
    }
    mine = api(alice).get(url(world, "meeting-requests/")).json()["results"]
    assert [(r["status"], r["origin"]) for r in mine] == [("pending", "engine")]
    post(alice, url(world, f"meeting-requests/{ids[0]}/accept/"))

    slot = world.event.slots.order_by("starts_at").last()
    assert slot is not None
    bad = post(
        staff,
        url(world, f"meeting-requests/{ids[0]}/pin/"),
        {"slot": slot.pk, "venue": world.main.pk, "table": 9},
    )
    assert "1 到 2" in field_error(bad, "table")
    pin = {"slot": slot.pk, "venue": world.main.pk, "table": 2}
    pinned = post(staff, url(world, f"meeting-requests/{ids[0]}/pin/"), pin).json()["meeting"]
    assert (pinned["slot"]["id"], pinned["table"], pinned["pinned"]) == (slot.pk, 2, True)
    run = post(staff, url(world, "schedule/solve/")).json()
    assert (run["pinned"], run["placed"]) == (1, 1)
    unpinned = post(staff, url(world, f"meetings/{pinned['id']}/unpin/"))
    assert unpinned.status_code == 200
    assert unpinned.json()["pinned"] is False
    published = post(staff, url(world, "schedule/publish/")).json()
    assert published["notified"] == 2
    assert published["schedule_published_at"]

    # registrations: staff reject and approve, the registrant withdraws
    reg = url(world, f"registrations/{world.dora_reg.pk}/")
    assert "原因" in field_error(post(staff, reg + "reject/", {"reason": " "}), "reason")
    assert (
        post(staff, reg + "reject/", {"reason": "材料不全"}).json()["reject_reason"] == "材料不全"
    )
    assert post(staff, reg + "approve/").json()["status"] == "approved"
    assert post(dora, reg + "cancel/").json()["status"] == "cancelled"
    assert MeetingRequest.objects.get().status == "cancelled"
    assert not Meeting.objects.exists()


def test_venues_postings_and_import(world: World, staff: User, alice: User) -> None:
    venues = url(world, "venues/")
    online = {"kind": "online", "name": "线上洽谈室", "online_url": "https://meet.example.cn/r/1",
              "capacity": 100, "tables": 5}  # fmt: skip
    created = post(staff, venues, online)
    assert created.status_code == 201, created.content
    vid = created.json()["id"]
    assert api().get(url(world)).json()["venues"][-1]["online_url"] == ""
    assert api(alice).get(url(world)).json()["venues"][-1]["online_url"].startswith("https://")
    patched = api(staff).patch(venues + f"{vid}/", {"tables": 8}, format="json")
    assert patched.json()["tables"] == 8
    assert api(staff).delete(venues + f"{vid}/").status_code == 204
    in_use = api(staff).delete(venues + f"{world.main.pk}/")
    assert in_use.status_code == 400
    assert "不能删除" in in_use.json()["non_field_errors"][0]

    postings = api(alice).get(url(world, "postings/")).json()
    assert {p["title"] for p in postings["results"]} == {"高盐废水处理", "催化臭氧氧化技术"}
    rows = {p["kind"]: p["id"] for p in postings["results"]}
    order = {"order": [rows["result"], rows["need"]]}
    assert post(staff, url(world, "postings/order/"), order).json() == {"count": 2}
    ordered = api().get(url(world, "postings/")).json()["results"]
    assert [(p["kind"], p["roadshow_order"]) for p in ordered] == [("result", 1), ("need", 2)]
    assert "重复" in field_error(
        post(staff, url(world, "postings/order/"), {"order": [rows["need"]] * 2}), "order"
    )
    gone = api(staff).delete(url(world, "postings/") + f"?ids={rows['need']}")
    assert gone.json() == {"count": 1}
    assert post(staff, url(world, "postings/"), {"need_ids": [world.need.pk]}).json() == {
        "count": 1
    }

    upload = ("needs.xlsx", xlsx_bytes(need_rows(3)))
    report = api(staff).post(
        url(world, "postings/import/"), {"kind": "need", "file": _file(*upload)}, format="multipart"
    )
    assert report.status_code == 200, report.content
    assert (report.json()["ok"], report.json()["created"]) == (True, 3)
    assert world.event.postings.count() == 5
    bad = xlsx_bytes(need_rows(2, bad_rows={1: {"所在地区": "999999"}}))
    failed = api(staff).post(
        url(world, "postings/import/"),
        {"kind": "need", "file": _file("b.xlsx", bad)},
        format="multipart",
    )
    assert failed.status_code == 400
    assert failed.json()["errors"][0]["row"] == 3
    assert world.event.postings.count() == 5
    denied = api(alice).post(
        url(world, "postings/import/"), {"kind": "need", "file": _file(*upload)}, format="multipart"
    )
    assert denied.status_code == 403


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# ---------------------------------------------------------------------- who may do what


@pytest.fixture
def other_staff(db: None) -> User:
    bureau = OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")
    return member("staff_qd", bureau, Membership.Role.STAFF)


def test_drafts_are_404_to_everyone_but_staff_of_the_region(
    staff: User, other_staff: User, charlie: User
) -> None:
    draft = make_event(staff)
    for user in (None, charlie, other_staff):
        assert api(user).get(url(draft)).status_code == 404
        assert api(user).get(url(draft, "postings/")).status_code == 404
        assert draft.pk not in [e["id"] for e in api(user).get("/api/events/").json()["results"]]
    assert post(other_staff, url(draft, "publish/")).status_code == 404
    assert post(charlie, url(draft, "venues/"), {"kind": "main"}).status_code == 404
    assert api(staff).get(url(draft)).json()["status"] == "draft"
    assert "会场" in post(staff, url(draft, "publish/")).json()["non_field_errors"][0]


STAFF_ONLY = [
    ("publish/", {}),
    ("cancel/", {"reason": "天气原因"}),
    (
        "venues/",
        {"kind": "branch", "name": "三号厅", "address": "历城区 3 号", "capacity": 9, "tables": 1},
    ),
    ("postings/", {"need_ids": []}),
    ("postings/order/", {"order": []}),
    ("meeting-requests/propose/", {}),
    ("meeting-requests/accept-proposals/", {"ids": [1]}),
    ("schedule/solve/", {}),
    ("schedule/publish/", {}),
]


@pytest.mark.parametrize(("tail", "data"), STAFF_ONLY)
def test_staff_only_actions(world: World, alice: User, charlie: User, tail: str, data: Any) -> None:
    assert post(None, url(world, tail), data).status_code in (401, 403)
    for user in (charlie, alice):
        response = post(user, url(world, tail), data)
        assert response.status_code == 403, (user, response.content)
        assert CJK.search(response.json()["detail"])


def test_parties_and_staff_on_registrations_and_requests(
    world: World, alice: User, dora: User, staff: User, charlie: User, other_staff: User
) -> None:
    event = api(charlie).patch(url(world), {"title": "改名"}, format="json")
    assert event.status_code == 403
    assert api(other_staff).patch(url(world), {"title": "改名"}, format="json").status_code == 403
    assert api(staff).patch(url(world), {"title": "改名"}, format="json").json()["title"] == "改名"
    assert api(None).get(url(world, "registrations/")).status_code in (401, 403)
    approve = url(world, f"registrations/{world.alice_reg.pk}/approve/")
    assert post(alice, approve).status_code == 403
    assert post(charlie, approve).status_code == 403
    assert post(dora, url(world, f"registrations/{world.alice_reg.pk}/cancel/")).status_code == 403
    assert (
        api(dora)
        .patch(
            url(world, f"registrations/{world.alice_reg.pk}/"), {"meeting_cap": 2}, format="json"
        )
        .status_code
        == 403
    )
    assert (
        api(staff)
        .patch(
            url(world, f"registrations/{world.alice_reg.pk}/"), {"meeting_cap": 2}, format="json"
        )
        .json()["meeting_cap"]
        == 2
    )
    req = _request(world, alice).json()
    accept = url(world, f"meeting-requests/{req['id']}/accept/")
    assert post(charlie, accept).status_code == 404  # not theirs to see
    assert post(alice, accept).status_code == 403  # only the invited side answers
    again = post(dora, url(world, f"meeting-requests/{req['id']}/decline/"), {"reason": "时间冲突"})
    assert (again.json()["status"], again.json()["decline_reason"]) == ("declined", "时间冲突")
    assert post(dora, accept).status_code == 409
    assert post(alice, url(world, f"meeting-requests/{req['id']}/cancel/")).status_code == 409


def test_what_participants_see_of_each_other(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    world.need.confidential_fields = ["organization"]
    world.need.save()
    NeedFactory(organization=charlie.organization, created_by=charlie, title="乙的需求")
    theirs = NeedFactory._meta.model.objects.get(title="乙的需求")
    pending = post(
        charlie, url(world, "registrations/"), {"venue": world.main.pk, "need_ids": [theirs.pk]}
    )
    assert pending.status_code == 201
    assert pending.json()["status"] == "pending"

    seen = {
        r["organization"]["name"]: r
        for r in api(dora).get(url(world, "registrations/")).json()["results"]
    }
    assert set(seen) == {"甲企业有限公司", "丙大学"}  # charlie's registration is pending
    assert seen["甲企业有限公司"]["needs"] == []  # its need hides the organisation
    assert seen["甲企业有限公司"]["meeting_cap"] is None
    assert seen["丙大学"]["meeting_cap"] == 6
    own = api(alice).get(url(world, "registrations/")).json()["results"]
    assert [r["needs"] for r in own if r["mine"]] == [
        [{"id": world.need.pk, "title": "高盐废水处理"}]
    ]
    assert api(staff).get(url(world, "registrations/")).json()["count"] == 3
    rows = {p["kind"]: p for p in api(dora).get(url(world, "postings/")).json()["results"]}
    assert rows["need"]["organization"] is None
    assert rows["result"]["organization"]["name"] == "丙大学"
    stats = api().get(url(world, "stats/")).json()
    assert (stats["registrations"], stats["registrations_pending"]) == (2, 1)
    assert "乙企业" not in json.dumps(stats, ensure_ascii=False)


# -------------------------------------------------------------------------------- bad input


def test_bad_meeting_requests(world: World, alice: User, dora: User, charlie: User) -> None:
    assert "本单位" in field_error(
        post(alice, url(world, "meeting-requests/"), {"invitee": world.alice_reg.pk}), "invitee"
    )
    for invitee in (999999, "abc", 10**20, None):
        field_error(post(alice, url(world, "meeting-requests/"), {"invitee": invitee}), "invitee")
    theirs = NeedFactory(organization=charlie.organization, created_by=charlie)
    pending = post(
        charlie, url(world, "registrations/"), {"venue": world.main.pk, "need_ids": [theirs.pk]}
    ).json()
    assert "审核" in field_error(
        post(alice, url(world, "meeting-requests/"), {"invitee": pending["id"]}), "invitee"
    )
    assert (
        "审核"
        in post(charlie, url(world, "meeting-requests/"), {"invitee": world.alice_reg.pk}).json()[
            "non_field_errors"
        ][0]
    )
    field_error(_request(world, alice, need_id=theirs.pk), "need_id")
    field_error(post(alice, url(world, "meeting-requests/"), {}), "invitee")
    late = world.event.request_cutoff + dt.timedelta(minutes=1)
    with time_machine.travel(late):
        assert "截止" in _request(world, alice).json()["non_field_errors"][0]
    assert not MeetingRequest.objects.exists()


def test_bad_registrations(world: World, alice: User, charlie: User, staff: User) -> None:
    again = post(
        alice, url(world, "registrations/"), {"venue": world.main.pk, "need_ids": [world.need.pk]}
    )
    assert again.status_code == 409
    assert "重复报名" in again.json()["non_field_errors"][0]
    theirs = NeedFactory(organization=charlie.organization, created_by=charlie)
    base = {"venue": world.main.pk, "need_ids": [theirs.pk]}
    other = make_event(staff, days_ahead=40)
    foreign = Slot.objects.filter(event=other).first()
    assert foreign is not None
    field_error(post(charlie, url(world, "registrations/"), {}), "venue")
    field_error(
        post(charlie, url(world, "registrations/"), {**base, "venue": world.main.pk + 99}), "venue"
    )
    field_error(
        post(charlie, url(world, "registrations/"), {**base, "need_ids": [world.need.pk]}),
        "need_ids",
    )
    field_error(
        post(charlie, url(world, "registrations/"), {**base, "need_ids": ["x"]}), "need_ids"
    )
    field_error(post(charlie, url(world, "registrations/"), {**base, "attendees": 0}), "attendees")
    field_error(
        post(charlie, url(world, "registrations/"), {**base, "meeting_cap": 0}), "meeting_cap"
    )
    field_error(
        post(charlie, url(world, "registrations/"), {**base, "meeting_cap": "many"}), "meeting_cap"
    )
    assert "不属于" in field_error(
        post(charlie, url(world, "registrations/"), {**base, "slot_ids": [foreign.pk]}), "slot_ids"
    )
    assert not Registration.objects.filter(organization=charlie.organization).exists()

    mine = url(world, f"registrations/{world.alice_reg.pk}/")
    assert "不属于" in field_error(
        api(alice).patch(mine, {"slot_ids": [foreign.pk]}, format="json"), "slot_ids"
    )
    assert "至少" in field_error(
        api(alice).patch(mine, {"slot_ids": []}, format="json"), "slot_ids"
    )
    assert "1 到 32" in field_error(
        api(alice).patch(mine, {"meeting_cap": -1}, format="json"), "meeting_cap"
    )
    field_error(api(alice).patch(mine, {"slot_ids": "1,2"}, format="json"), "slot_ids")
    slot = world.event.slots.first()
    assert slot is not None
    assert api(alice).patch(mine, {"slot_ids": [slot.pk]}, format="json").json()["slot_ids"] == [
        slot.pk
    ]


def _event_data(days_ahead: int, **extra: Any) -> dict[str, Any]:
    start = timezone.localdate() + dt.timedelta(days=days_ahead)
    now = timezone.now()
    return {
        "title": "济南第二场对接会", "start_date": start.isoformat(), "end_date": start.isoformat(),
        "registration_deadline": (now + dt.timedelta(days=days_ahead - 2)).isoformat(),
        "request_cutoff": (now + dt.timedelta(days=days_ahead - 1)).isoformat(), **extra,
    }  # fmt: skip


def test_bad_events_and_venues(world: World, staff: User, charlie: User) -> None:
    assert post(charlie, "/api/events/", _event_data(10)).status_code == 403
    field_error(post(staff, "/api/events/", {}), "title")
    field_error(post(staff, "/api/events/", _event_data(10, fields=["zz"])), "fields")
    field_error(post(staff, "/api/events/", _event_data(10, slots_per_day=0)), "slots_per_day")
    field_error(post(staff, "/api/events/", _event_data(10, region_code="370200")), "region_code")
    late = _event_data(10, request_cutoff=(timezone.now() + dt.timedelta(days=30)).isoformat())
    field_error(post(staff, "/api/events/", late), "request_cutoff")
    created = post(staff, "/api/events/", _event_data(10))  # same day as the world's event
    assert created.status_code == 201, created.content
    assert created.json()["region_code"] == "370100"
    assert len(created.json()["slots"]) == 12
    venues = f"/api/events/{created.json()['id']}/venues/"
    same = {
        "kind": "main",
        "name": "主会场",
        "address": "济南市历下区1号",
        "capacity": 50,
        "tables": 2,
    }
    assert "日期冲突" in field_error(post(staff, venues, same), "address")
    field_error(post(staff, venues, {**same, "address": "别处", "capacity": 0}), "capacity")
    field_error(post(staff, venues, {**same, "address": "别处", "tables": -1}), "tables")
    field_error(post(staff, venues, {**same, "address": ""}), "address")
    field_error(post(staff, venues, {**same, "kind": "hall"}), "kind")
    assert (
        post(staff, url(world, "venues/"), {**same, "address": "别处"}).status_code == 400
    )  # one main
    later = post(staff, "/api/events/", _event_data(30)).json()
    assert post(staff, f"/api/events/{later['id']}/venues/", same).status_code == 201
    assert "原因" in field_error(post(staff, url(world, "cancel/"), {"reason": ""}), "reason")


def test_outcome_input(world: World, alice: User, dora: User, staff: User, charlie: User) -> None:
    meeting = _scheduled(world, alice, dora, staff)
    path = url(world, f"meetings/{meeting['id']}/outcome/")
    assert "开始后" in field_error(post(alice, path, {"outcome": "intention"}), "outcome")
    with time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800"):
        assert post(charlie, path, {"outcome": "signed"}).status_code == 404
        field_error(post(alice, path, {"outcome": "great"}), "outcome")
        field_error(post(alice, path, {"outcome": "signed"}), "contract_amount")
        field_error(
            post(alice, path, {"outcome": "signed", "contract_amount": "abc"}), "contract_amount"
        )
        field_error(
            post(alice, path, {"outcome": "signed", "contract_amount": -5}), "contract_amount"
        )
        field_error(post(alice, path, {"outcome": "intention", "result_id": 999999}), "result_id")
    assert not Match.objects.exists()
    assert Meeting.objects.get().outcome == ""


# ------------------------------------------------------------------ schema and robustness


LISTS = ("events/", "venues/", "postings/", "registrations/", "meeting-requests/", "schedule/")


def _schema() -> dict[str, Any]:
    response = api().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_schema_documents_every_route_with_bodies_and_pages(
    world: World, alice: User, dora: User, staff: User
) -> None:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from tests.test_schema_lists import SCHEMA_URI, _json_schema, _validator

    schema = _schema()
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/events/")}
    assert len(paths) == len(api_urls.urlpatterns)
    without_body = {
        *("{id}/publish/", "{id}/meeting-requests/propose/", "{id}/schedule/solve/"),
        *("{id}/schedule/publish/", "{id}/meetings/{mid}/unpin/"),
        *("{id}/registrations/{rid}/approve/", "{id}/registrations/{rid}/cancel/"),
        *("{id}/meeting-requests/{req_id}/accept/", "{id}/meeting-requests/{req_id}/cancel/"),
    }
    for path, ops in paths.items():
        for method, op in ops.items():
            if (
                method in ("post", "patch")
                and path.removeprefix("/api/events/") not in without_body
            ):
                assert "requestBody" in op, (method, path)
            if method == "get" and path.endswith(LISTS):
                answer = op["responses"]["200"]["content"]["application/json"]["schema"]
                assert answer["$ref"].split("/")[-1].startswith("Paginated"), path
    assert (
        "multipart/form-data"
        in paths["/api/events/{id}/postings/import/"]["post"]["requestBody"]["content"]
    )

    _scheduled(world, alice, dora, staff)
    document = _json_schema(copy.deepcopy(schema))
    registry = Registry().with_resource(
        SCHEMA_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )  # type: ignore[var-annotated]
    gets = [p for p, ops in paths.items() if "get" in ops]
    for user in (staff, alice, None):
        for path in gets:
            response = api(user).get(path.replace("{id}", str(world.event.pk)))
            if user is None and response.status_code in (401, 403):
                continue
            assert response.status_code == 200, (path, response.content[:200])
            errors = [
                e.message[:200] for e in _validator(registry, path).iter_errors(response.json())
            ]
            assert errors == [], (path, user)


def test_no_route_answers_junk_with_a_server_error(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    from tests.test_api_robustness import JUNK_BODIES, JUNK_QUERY

    meeting = _scheduled(world, alice, dora, staff)
    ids = {"pk": world.event.pk, "venue_pk": world.branch.pk, "rid": world.alice_reg.pk,
           "req_id": meeting["request"], "mid": meeting["id"]}  # fmt: skip
    failures = []
    for user in (None, charlie, alice, staff):
        client = api(user)
        for pattern in api_urls.urlpatterns:
            route = re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), str(pattern.pattern))
            view = pattern.callback.view_class  # type: ignore[attr-defined]
            path = "/api/events/" + route
            methods = [
                m
                for m in ("post", "patch", "delete")
                if m in view.http_method_names and hasattr(view, m)
            ]
            answers = [client.get(path, JUNK_QUERY)] if hasattr(view, "get") else []
            for method in methods:
                answers += [
                    getattr(client, method)(path, json.dumps(b), content_type="application/json")
                    for b in JUNK_BODIES
                ]
                answers.append(
                    getattr(client, method)(path, "{broken", content_type="application/json")
                )
            for response in answers:
                if response.status_code >= 500 or (
                    response.status_code >= 400 and "json" not in response.get("Content-Type", "")
                ):
                    failures.append(
                        (user, response.request["REQUEST_METHOD"], path, response.status_code)
                    )
    assert failures == []


# ------------------------------------------------------- service bugs found (reported)


@pytest.mark.xfail(
    strict=True,
    reason="services.event_create/event_update run event.full_clean() (services.py:118, 137) "
    "before _check_dates, so the CheckConstraint answers first with a technical "
    "non-field message instead of end_date: 结束日期不能早于开始日期。",
)
def test_end_before_start_is_an_end_date_error(world: World, staff: User) -> None:
    day_before = (world.event.start_date - dt.timedelta(days=1)).isoformat()
    response = api(staff).patch(url(world), {"end_date": day_before}, format="json")
    assert "不能早于" in field_error(response, "end_date")


@pytest.mark.xfail(
    strict=True,
    reason="requests.meeting_request_respond saves EXPIRED then raises inside its "
    "@transaction.atomic (requests.py:195-198): the save is rolled back, the request "
    "stays pending until the next requests_expire run.",
)
def test_answering_after_the_cutoff_expires_the_request(
    world: World, alice: User, dora: User
) -> None:
    req = _request(world, alice).json()
    with time_machine.travel(world.event.request_cutoff + dt.timedelta(minutes=1)):
        late = post(dora, url(world, f"meeting-requests/{req['id']}/accept/"))
    assert late.status_code == 400
    assert MeetingRequest.objects.get().status == "expired"


@pytest.mark.xfail(
    strict=True,
    reason="schedule._check_pin_target (schedule.py:202-206) only checks pinned meetings: "
    "pinning into a slot where a party has a solver-placed meeting double-books it.",
)
def test_pinning_never_double_books_a_party(
    world: World, alice: User, dora: User, staff: User
) -> None:
    uni = OrganizationFactory(name="丁研究院", org_type="institute", region_code="370100")
    erin = member("erin", uni, Membership.Role.RESEARCHER)
    offer = ResultFactory(organization=uni, created_by=erin)
    third = post(
        erin, url(world, "registrations/"), {"venue": world.main.pk, "result_ids": [offer.pk]}
    )
    post(staff, url(world, f"registrations/{third.json()['id']}/approve/"))
    first = _scheduled(world, alice, dora, staff)
    second = post(alice, url(world, "meeting-requests/"), {"invitee": third.json()["id"]}).json()
    post(erin, url(world, f"meeting-requests/{second['id']}/accept/"))
    table = 2 if first["table"] == 1 else 1
    pin = {"slot": first["slot"]["id"], "venue": world.main.pk, "table": table}
    answer = post(staff, url(world, f"meeting-requests/{second['id']}/pin/"), pin)
    assert answer.status_code == 400 or Meeting.objects.filter(slot_id=pin["slot"]).count() == 1


@pytest.mark.xfail(
    strict=True,
    reason="registrations.registration_decide approves a rejected registration without the "
    "venue capacity check registration_create makes: the venue is overbooked.",
)
def test_approving_again_respects_the_venue_capacity(
    world: World, staff: User, charlie: User, bob: User
) -> None:
    world.branch.capacity = 1
    world.branch.save()
    mine = NeedFactory(organization=charlie.organization, created_by=charlie)
    first = post(
        charlie, url(world, "registrations/"), {"venue": world.branch.pk, "need_ids": [mine.pk]}
    )
    post(staff, url(world, f"registrations/{first.json()['id']}/reject/"), {"reason": "材料不全"})
    org = OrganizationFactory(name="戊公司", org_type="enterprise", region_code="370100")
    eve = member("eve", org, Membership.Role.ENTERPRISE)
    theirs = NeedFactory(organization=org, created_by=eve)
    seat = post(
        eve, url(world, "registrations/"), {"venue": world.branch.pk, "need_ids": [theirs.pk]}
    )
    assert seat.status_code == 201
    field_error(post(staff, url(world, f"registrations/{first.json()['id']}/approve/")), "venue")
