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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, User
from matching.models import Match
from portal.events import api_urls
from portal.events.models import Event, Meeting, MeetingRequest, Registration, Slot
from tests.accounts.factories import OrganizationFactory, member
from tests.events.conftest import World, make_event
from tests.matching.factories import NeedFactory, ResultFactory
from tests.portal.import_files import need_rows, xlsx_bytes

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _fast_solver(settings: Any) -> None:
    settings.EVENTS_SCHEDULE_TIME_LIMIT = 5.0


class As:
    """One user's calls on one event's API (paths relative to /api/events/{id}/)."""

    def __init__(self, user: User | None, event: Event | None = None) -> None:
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)
        self.base = f"/api/events/{event.pk}/" if event is not None else "/api/events/"

    def get(self, tail: str = "", **params: Any) -> Any:
        return self.client.get(self.base + tail, params)

    def post(self, tail: str, data: Any = None, format: str = "json") -> Any:
        return self.client.post(self.base + tail, {} if data is None else data, format=format)

    def patch(self, tail: str, data: Any) -> Any:
        return self.client.patch(self.base + tail, data, format="json")

    def delete(self, tail: str) -> Any:
        return self.client.delete(self.base + tail)

    def body(self, tail: str = "", **params: Any) -> Any:
        response = self.get(tail, **params)
        assert response.status_code == 200, response.content
        return response.json()


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
    return As(alice, world.event).post("meeting-requests/", {**data, **extra})


def _scheduled(world: World, alice: User, dora: User, staff: User) -> dict[str, Any]:
    """A request accepted and solved into the schedule: the meeting as staff see it."""
    req = _request(world, alice, message="想了解中试情况").json()
    assert As(dora, world.event).post(f"meeting-requests/{req['id']}/accept/").status_code == 200
    run = As(staff, world.event).post("schedule/solve/")
    assert (run.json()["placed"], run.json()["unplaced"]) == (1, []), run.content
    return As(staff, world.event).body("schedule/")["results"][0]  # type: ignore[no-any-return]


def _during(world: World) -> Any:
    return time_machine.travel(world.event.start_date.isoformat() + " 10:00 +0800")


def _register(user: User, world: World, venue: Any = None) -> Any:
    need = NeedFactory(organization=user.organization, created_by=user)
    data = {"venue": (venue or world.main).pk, "need_ids": [need.pk]}
    return As(user, world.event).post("registrations/", data)


# ------------------------------------------------------------------------------ the story


def test_request_accept_solve_schedule_outcome_one_pair(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    A, D, S, C = (As(u, world.event) for u in (alice, dora, staff, charlie))
    created = _request(world, alice, message="想了解中试情况")
    assert created.status_code == 201, created.content
    req = created.json()
    assert (req["status"], req["requester"]["registration"]) == ("pending", world.alice_reg.pk)
    assert req["need"] == {"id": world.need.pk, "title": "高盐废水处理"}
    assert (D.body("meeting-requests/")["count"], C.body("meeting-requests/")["count"]) == (1, 0)
    assert D.post(f"meeting-requests/{req['id']}/accept/").json()["status"] == "accepted"

    run = S.post("schedule/solve/").json()
    assert (run["requests"], run["placed"], run["optimal"], run["unplaced"]) == (1, 1, True, [])
    for party in (A, D):
        page = party.body("schedule/")
        assert (page["count"], page["run"]) == (1, None)
        meeting = page["results"][0]
        assert (meeting["venue"]["name"], meeting["request"]) == ("主会场", req["id"])
        assert meeting["table"] in (1, 2)
        assert meeting["slot"]["starts_at"]
        sides = {meeting[side]["organization"]["name"] for side in ("requester", "invitee")}
        assert sides == {"甲企业有限公司", "丙大学"}
    assert C.body("schedule/")["count"] == 0
    staff_page = S.body("schedule/")
    assert (staff_page["run"]["id"], staff_page["run"]["placed"]) == (run["id"], 1)

    mid = staff_page["results"][0]["id"]
    with _during(world):
        done = A.post(f"meetings/{mid}/outcome/", {"outcome": "intention", "note": "同意中试"})
    assert done.status_code == 200, done.content
    body, pair = done.json(), Match.objects.get()
    assert (body["outcome"], body["match_status"], body["pinned"]) == ("intention",) * 2 + (True,)
    assert body["match"] == pair.pk
    pairs = As(alice).client.get("/api/matches/").json()["results"]
    assert [(p["id"], p["status"]) for p in pairs] == [(pair.pk, "intention")]
    stats = As(None, world.event).body("stats/")
    assert (stats["scheduled"], stats["intentions"], stats["pairs"]) == (1, 1, 1)


def test_staff_tools_over_the_api(world: World, alice: User, dora: User, staff: User) -> None:
    A, D, S = (As(u, world.event) for u in (alice, dora, staff))
    Match.objects.create(kind="need_result", need=world.need, result=world.result, score=2)
    assert S.post("meeting-requests/propose/").json() == {"count": 1}
    ids = [r["id"] for r in S.body("meeting-requests/", status="proposed")["results"]]
    assert A.body("meeting-requests/")["count"] == 0  # not sent on yet
    assert S.post("meeting-requests/accept-proposals/", {"ids": ids}).json() == {"count": 1}
    mine = A.body("meeting-requests/")["results"]
    assert [(r["status"], r["origin"]) for r in mine] == [("pending", "engine")]
    A.post(f"meeting-requests/{ids[0]}/accept/")

    slot = world.event.slots.order_by("starts_at").last()
    assert slot is not None
    pin = {"slot": slot.pk, "venue": world.main.pk, "table": 9}
    assert "1 到 2" in field_error(S.post(f"meeting-requests/{ids[0]}/pin/", pin), "table")
    pinned = S.post(f"meeting-requests/{ids[0]}/pin/", {**pin, "table": 2}).json()["meeting"]
    assert (pinned["slot"]["id"], pinned["table"], pinned["pinned"]) == (slot.pk, 2, True)
    run = S.post("schedule/solve/").json()
    assert (run["pinned"], run["placed"]) == (1, 1)
    unpinned = S.post(f"meetings/{pinned['id']}/unpin/")
    assert (unpinned.status_code, unpinned.json()["pinned"]) == (200, False)
    published = S.post("schedule/publish/").json()
    assert published["notified"] == 2
    assert published["schedule_published_at"]

    reg = f"registrations/{world.dora_reg.pk}/"
    assert "原因" in field_error(S.post(reg + "reject/", {"reason": " "}), "reason")
    assert S.post(reg + "reject/", {"reason": "材料不全"}).json()["reject_reason"] == "材料不全"
    assert S.post(reg + "approve/").json()["status"] == "approved"
    assert D.post(reg + "cancel/").json()["status"] == "cancelled"
    assert MeetingRequest.objects.get().status == "cancelled"
    assert not Meeting.objects.exists()


def test_venues_postings_and_import(world: World, staff: User, alice: User) -> None:
    A, S = As(alice, world.event), As(staff, world.event)
    online = {"kind": "online", "name": "线上洽谈室", "online_url": "https://meet.example.cn/r/1",
              "capacity": 100, "tables": 5}  # fmt: skip
    created = S.post("venues/", online)
    assert created.status_code == 201, created.content
    vid = created.json()["id"]
    assert As(None, world.event).body()["venues"][-1]["online_url"] == ""
    assert A.body()["venues"][-1]["online_url"].startswith("https://")
    assert S.patch(f"venues/{vid}/", {"tables": 8}).json()["tables"] == 8
    assert S.delete(f"venues/{vid}/").status_code == 204
    in_use = S.delete(f"venues/{world.main.pk}/")
    assert "不能删除" in field_error(in_use, "non_field_errors")

    postings = A.body("postings/")["results"]
    assert {p["title"] for p in postings} == {"高盐废水处理", "催化臭氧氧化技术"}
    rows = {p["kind"]: p["id"] for p in postings}
    assert S.post("postings/order/", {"order": [rows["result"], rows["need"]]}).json()["count"] == 2
    ordered = As(None, world.event).body("postings/")["results"]
    assert [(p["kind"], p["roadshow_order"]) for p in ordered] == [("result", 1), ("need", 2)]
    twice = S.post("postings/order/", {"order": [rows["need"]] * 2})
    assert "重复" in field_error(twice, "order")
    assert S.delete(f"postings/?ids={rows['need']}").json() == {"count": 1}
    assert S.post("postings/", {"need_ids": [world.need.pk]}).json() == {"count": 1}

    def upload(who: As, content: bytes) -> Any:
        data = {"kind": "need", "file": SimpleUploadedFile("needs.xlsx", content)}
        return who.post("postings/import/", data, format="multipart")

    report = upload(S, xlsx_bytes(need_rows(3)))
    assert (report.status_code, report.json()["ok"], report.json()["created"]) == (200, True, 3)
    assert world.event.postings.count() == 5
    failed = upload(S, xlsx_bytes(need_rows(2, bad_rows={1: {"所在地区": "999999"}})))
    assert (failed.status_code, failed.json()["errors"][0]["row"]) == (400, 3)
    assert world.event.postings.count() == 5
    assert upload(A, xlsx_bytes(need_rows(1))).status_code == 403


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
        assert As(user, draft).get().status_code == 404
        assert As(user, draft).get("postings/").status_code == 404
        assert draft.pk not in [e["id"] for e in As(user).body()["results"]]
    assert As(other_staff, draft).post("publish/").status_code == 404
    assert As(charlie, draft).post("venues/", {"kind": "main"}).status_code == 404
    assert As(staff, draft).body()["status"] == "draft"
    assert "会场" in field_error(As(staff, draft).post("publish/"), "non_field_errors")


STAFF_ONLY = [
    ("publish/", {}),
    ("cancel/", {"reason": "天气原因"}),
    (
        "venues/",
        {"kind": "branch", "name": "三号厅", "address": "历城区", "capacity": 9, "tables": 1},
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
    assert As(None, world.event).post(tail, data).status_code in (401, 403)
    for user in (charlie, alice):
        response = As(user, world.event).post(tail, data)
        assert response.status_code == 403, (user, response.content)
        assert CJK.search(response.json()["detail"])


def test_parties_and_staff_on_registrations_and_requests(
    world: World, alice: User, dora: User, staff: User, charlie: User, other_staff: User
) -> None:
    A, D, S, C = (As(u, world.event) for u in (alice, dora, staff, charlie))
    assert C.patch("", {"title": "改名"}).status_code == 403
    assert As(other_staff, world.event).patch("", {"title": "改名"}).status_code == 403
    assert S.patch("", {"title": "改名"}).json()["title"] == "改名"
    assert As(None, world.event).get("registrations/").status_code in (401, 403)
    alices = f"registrations/{world.alice_reg.pk}/"
    assert (A.post(alices + "approve/").status_code, C.post(alices + "approve/").status_code) == (
        403,
        403,
    )
    assert D.post(alices + "cancel/").status_code == 403
    assert D.patch(alices, {"meeting_cap": 2}).status_code == 403
    assert S.patch(alices, {"meeting_cap": 2}).json()["meeting_cap"] == 2
    req = _request(world, alice).json()
    accept = f"meeting-requests/{req['id']}/accept/"
    assert C.post(accept).status_code == 404  # not theirs to see
    assert A.post(accept).status_code == 403  # only the invited side answers
    declined = D.post(f"meeting-requests/{req['id']}/decline/", {"reason": "时间冲突"}).json()
    assert (declined["status"], declined["decline_reason"]) == ("declined", "时间冲突")
    assert D.post(accept).status_code == 409
    assert A.post(f"meeting-requests/{req['id']}/cancel/").status_code == 409


def test_what_participants_see_of_each_other(
    world: World, alice: User, dora: User, staff: User, charlie: User
) -> None:
    world.need.confidential_fields = ["organization"]
    world.need.save()
    assert _register(charlie, world).json()["status"] == "pending"

    seen = {
        r["organization"]["name"]: r
        for r in As(dora, world.event).body("registrations/")["results"]
    }
    assert set(seen) == {"甲企业有限公司", "丙大学"}  # charlie's registration is pending
    assert seen["甲企业有限公司"]["needs"] == []  # its need hides the organisation
    assert (seen["甲企业有限公司"]["meeting_cap"], seen["丙大学"]["meeting_cap"]) == (None, 6)
    own = As(alice, world.event).body("registrations/")["results"]
    assert [r["needs"] for r in own if r["mine"]] == [
        [{"id": world.need.pk, "title": "高盐废水处理"}]
    ]
    assert As(staff, world.event).body("registrations/")["count"] == 3
    rows = {p["kind"]: p for p in As(dora, world.event).body("postings/")["results"]}
    assert rows["need"]["organization"] is None
    assert rows["result"]["organization"]["name"] == "丙大学"
    stats = As(None, world.event).body("stats/")
    assert (stats["registrations"], stats["registrations_pending"]) == (2, 1)
    assert "乙企业" not in json.dumps(stats, ensure_ascii=False)


# -------------------------------------------------------------------------------- bad input


def test_bad_meeting_requests(world: World, alice: User, charlie: User) -> None:
    A = As(alice, world.event)
    pending = _register(charlie, world).json()
    cases = [
        ({"invitee": world.alice_reg.pk}, "invitee", "本单位"),
        ({"invitee": pending["id"]}, "invitee", "审核"),
        ({"invitee": 999999}, "invitee", "参会单位"),
        ({"invitee": "abc"}, "invitee", "整数"),
        ({"invitee": 10**20}, "invitee", ""),
        ({"invitee": None}, "invitee", ""),
        ({}, "invitee", "必填"),
        ({"invitee": world.dora_reg.pk, "need_id": pending["needs"][0]["id"]}, "need_id", "双方"),
    ]
    for data, field, words in cases:
        assert words in field_error(A.post("meeting-requests/", data), field), data
    early = As(charlie, world.event).post("meeting-requests/", {"invitee": world.alice_reg.pk})
    assert "审核" in field_error(early, "non_field_errors")
    with time_machine.travel(world.event.request_cutoff + dt.timedelta(minutes=1)):
        assert "截止" in field_error(_request(world, alice), "non_field_errors")
    assert not MeetingRequest.objects.exists()


def test_bad_registrations(world: World, alice: User, charlie: User, staff: User) -> None:
    again = As(alice, world.event).post(
        "registrations/", {"venue": world.main.pk, "need_ids": [world.need.pk]}
    )
    assert "重复报名" in field_error(again, "non_field_errors", status=409)
    theirs = NeedFactory(organization=charlie.organization, created_by=charlie)
    base = {"venue": world.main.pk, "need_ids": [theirs.pk]}
    foreign = Slot.objects.filter(event=make_event(staff, days_ahead=40)).first()
    assert foreign is not None
    cases = [
        ({}, "venue", "必填"),
        ({**base, "venue": world.branch.pk + 99}, "venue", "会场"),
        ({**base, "need_ids": [world.need.pk]}, "need_ids", "本单位"),
        ({**base, "need_ids": ["x"]}, "need_ids", "整数"),
        ({**base, "attendees": 0}, "attendees", "1"),
        ({**base, "meeting_cap": 0}, "meeting_cap", "1 到 32"),
        ({**base, "meeting_cap": "many"}, "meeting_cap", "整数"),
        ({**base, "slot_ids": [foreign.pk]}, "slot_ids", "不属于"),
    ]
    for data, field, words in cases:
        assert words in field_error(As(charlie, world.event).post("registrations/", data), field)
    assert not Registration.objects.filter(organization=charlie.organization).exists()

    mine, A = f"registrations/{world.alice_reg.pk}/", As(alice, world.event)
    cases = [
        ({"slot_ids": [foreign.pk]}, "slot_ids", "不属于"),
        ({"slot_ids": []}, "slot_ids", "至少"),
        ({"slot_ids": "1,2"}, "slot_ids", "列表"),
        ({"meeting_cap": -1}, "meeting_cap", "1 到 32"),
    ]
    for data, field, words in cases:
        assert words in field_error(A.patch(mine, data), field)
    slot = world.event.slots.first()
    assert slot is not None
    assert A.patch(mine, {"slot_ids": [slot.pk]}).json()["slot_ids"] == [slot.pk]


def _event_data(days_ahead: int, **extra: Any) -> dict[str, Any]:
    start = timezone.localdate() + dt.timedelta(days=days_ahead)
    now = timezone.now()
    return {
        "title": "济南第二场对接会", "start_date": start.isoformat(), "end_date": start.isoformat(),
        "registration_deadline": (now + dt.timedelta(days=days_ahead - 2)).isoformat(),
        "request_cutoff": (now + dt.timedelta(days=days_ahead - 1)).isoformat(), **extra,
    }  # fmt: skip


def test_bad_events_and_venues(world: World, staff: User, charlie: User) -> None:
    S = As(staff)
    assert As(charlie).post("", _event_data(10)).status_code == 403
    late = (timezone.now() + dt.timedelta(days=30)).isoformat()
    cases = [
        ({}, "title", "必填"),
        (_event_data(10, fields=["zz"]), "fields", "zz"),
        (_event_data(10, slots_per_day=0), "slots_per_day", "1"),
        (_event_data(10, region_code="370200"), "region_code", "辖区"),
        (_event_data(10, request_cutoff=late), "request_cutoff", "不能晚于"),
    ]
    for data, field, words in cases:
        assert words in field_error(S.post("", data), field)
    created = S.post("", _event_data(10))  # the same day as the world's event
    assert created.status_code == 201, created.content
    assert (created.json()["region_code"], len(created.json()["slots"])) == ("370100", 12)
    venues = f"{created.json()['id']}/venues/"
    same = {
        "kind": "main",
        "name": "主会场",
        "address": "济南市历下区1号",
        "capacity": 50,
        "tables": 2,
    }
    cases = [
        (same, "address", "日期冲突"),  # the world's main venue, spelt without the space
        ({**same, "address": "别处", "capacity": 0}, "capacity", "1"),
        ({**same, "address": "别处", "tables": -1}, "tables", "1"),
        ({**same, "address": ""}, "address", "地址"),
        ({**same, "kind": "hall"}, "kind", "hall"),
    ]
    for data, field, words in cases:
        assert words in field_error(S.post(venues, data), field)
    second_main = As(staff, world.event).post("venues/", {**same, "address": "别处"})
    assert "只能有一个主会场" in field_error(second_main, "kind")
    later = S.post("", _event_data(30)).json()
    assert S.post(f"{later['id']}/venues/", same).status_code == 201
    assert "原因" in field_error(As(staff, world.event).post("cancel/", {"reason": ""}), "reason")


def test_outcome_input(world: World, alice: User, dora: User, staff: User, charlie: User) -> None:
    meeting = _scheduled(world, alice, dora, staff)
    path, A = f"meetings/{meeting['id']}/outcome/", As(alice, world.event)
    assert "开始后" in field_error(A.post(path, {"outcome": "intention"}), "outcome")
    cases = [
        ({"outcome": "great"}, "outcome"),
        ({"outcome": "signed"}, "contract_amount"),
        ({"outcome": "signed", "contract_amount": "abc"}, "contract_amount"),
        ({"outcome": "signed", "contract_amount": -5}, "contract_amount"),
        ({"outcome": "intention", "result_id": 999999}, "result_id"),
    ]
    with _during(world):
        assert As(charlie, world.event).post(path, {"outcome": "signed"}).status_code == 404
        for data, field in cases:
            field_error(A.post(path, data), field)
    assert not Match.objects.exists()
    assert Meeting.objects.get().outcome == ""


# ------------------------------------------------------------------ schema and robustness

LISTS = ("events/", "venues/", "postings/", "registrations/", "meeting-requests/", "schedule/")
WITHOUT_BODY = {
    *("{id}/publish/", "{id}/meeting-requests/propose/", "{id}/schedule/solve/"),
    *("{id}/schedule/publish/", "{id}/meetings/{mid}/unpin/"),
    *("{id}/registrations/{rid}/approve/", "{id}/registrations/{rid}/cancel/"),
    *("{id}/meeting-requests/{req_id}/accept/", "{id}/meeting-requests/{req_id}/cancel/"),
}


def test_the_schema_documents_every_route_with_bodies_and_pages(
    world: World, alice: User, dora: User, staff: User
) -> None:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from tests.test_schema_lists import SCHEMA_URI, _json_schema, _validator

    schema = As(None).client.get("/api/schema/", {"format": "json"}).json()
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/events/")}
    assert len(paths) == len(api_urls.urlpatterns)
    for path, ops in paths.items():
        for method, op in ops.items():
            if (
                method in ("post", "patch")
                and path.removeprefix("/api/events/") not in WITHOUT_BODY
            ):
                assert "requestBody" in op, (method, path)
            if method == "get" and path.endswith(LISTS):
                answer = op["responses"]["200"]["content"]["application/json"]["schema"]
                assert answer["$ref"].split("/")[-1].startswith("Paginated"), path
    imports = paths["/api/events/{id}/postings/import/"]["post"]["requestBody"]["content"]
    assert list(imports) == ["multipart/form-data"]

    _scheduled(world, alice, dora, staff)
    document = Resource.from_contents(
        _json_schema(copy.deepcopy(schema)), default_specification=DRAFT202012
    )
    registry: Registry[Any] = Registry().with_resource(SCHEMA_URI, document)
    for user in (staff, alice, None):
        for path in [p for p, ops in paths.items() if "get" in ops]:
            response = As(user).client.get(path.replace("{id}", str(world.event.pk)))
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
        client = As(user).client
        for pattern in api_urls.urlpatterns:
            path = "/api/events/" + re.sub(
                r"<int:(\w+)>", lambda m: str(ids[m[1]]), str(pattern.pattern)
            )
            view = pattern.callback.view_class  # type: ignore[attr-defined]
            answers = [client.get(path, JUNK_QUERY)] if hasattr(view, "get") else []
            for method in ("post", "patch", "delete"):
                if method not in view.http_method_names or not hasattr(view, method):
                    continue
                for body in [*map(json.dumps, JUNK_BODIES), "{broken"]:
                    answers.append(
                        getattr(client, method)(path, body, content_type="application/json")
                    )
            for response in answers:
                kind = response.get("Content-Type", "")
                if response.status_code >= 500 or (
                    response.status_code >= 400 and "json" not in kind
                ):
                    failures.append(
                        (user, response.request["REQUEST_METHOD"], path, response.status_code)
                    )
    assert failures == []


# ------------------------------- service rules the API found broken (fixed since)


def test_end_before_start_is_an_end_date_error(world: World, staff: User) -> None:
    day_before = (world.event.start_date - dt.timedelta(days=1)).isoformat()
    response = As(staff, world.event).patch("", {"end_date": day_before})
    assert "不能早于" in field_error(response, "end_date")


def test_answering_after_the_cutoff_expires_the_request(
    world: World, alice: User, dora: User
) -> None:
    req = _request(world, alice).json()
    with time_machine.travel(world.event.request_cutoff + dt.timedelta(minutes=1)):
        late = As(dora, world.event).post(f"meeting-requests/{req['id']}/accept/")
    assert late.status_code == 400
    assert MeetingRequest.objects.get().status == "expired"


def test_pinning_never_double_books_a_party(
    world: World, alice: User, dora: User, staff: User
) -> None:
    uni = OrganizationFactory(name="丁研究院", org_type="institute", region_code="370100")
    erin = member("erin", uni, Membership.Role.RESEARCHER)
    offer = ResultFactory(organization=uni, created_by=erin)
    data = {"venue": world.main.pk, "result_ids": [offer.pk]}
    third = As(erin, world.event).post("registrations/", data).json()["id"]
    As(staff, world.event).post(f"registrations/{third}/approve/")
    first = _scheduled(world, alice, dora, staff)
    second = As(alice, world.event).post("meeting-requests/", {"invitee": third}).json()
    As(erin, world.event).post(f"meeting-requests/{second['id']}/accept/")
    pin = {"slot": first["slot"]["id"], "venue": world.main.pk, "table": 3 - first["table"]}
    answer = As(staff, world.event).post(f"meeting-requests/{second['id']}/pin/", pin)
    assert answer.status_code == 400 or Meeting.objects.filter(slot_id=pin["slot"]).count() == 1


def test_approving_again_respects_the_venue_capacity(
    world: World, staff: User, charlie: User
) -> None:
    world.branch.capacity = 1
    world.branch.save()
    first = _register(charlie, world, venue=world.branch).json()["id"]
    As(staff, world.event).post(f"registrations/{first}/reject/", {"reason": "材料不全"})
    org = OrganizationFactory(name="戊公司", org_type="enterprise", region_code="370100")
    eve = member("eve", org, Membership.Role.ENTERPRISE)
    assert _register(eve, world, venue=world.branch).status_code == 201  # takes the seat
    field_error(As(staff, world.event).post(f"registrations/{first}/approve/"), "venue")
