"""The dispatch API (/api/dispatch/): the story of a round (volunteer, solve, publish, visit,
rate, propose), who may do what, bad input answered with Chinese field messages, and the
schema."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.db.models import Max
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, User
from portal.dispatch import api_urls
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit, Volunteer
from portal.models import Expert, Need, PostingStatus, TechField
from tests.accounts.factories import OrganizationFactory, member
from tests.matching.factories import ExpertFactory

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
BASE = "/api/dispatch/"


class As:
    """One user's calls on the dispatch API (paths relative to /api/dispatch/)."""

    def __init__(self, user: User | None) -> None:
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)

    def get(self, tail: str = "", **params: Any) -> Any:
        return self.client.get(BASE + tail, params)

    def post(self, tail: str, data: Any = None) -> Any:
        return self.client.post(BASE + tail, {} if data is None else data, format="json")

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


def _volunteer(world: dict[str, Any], field: TechField, **extra: Any) -> Any:
    data = {"capacity": 3, "field_ids": [field.pk], "districts": ["370100"], **extra}
    return As(world["prof"]).post(f"{world['round'].pk}/volunteers/", data)


def _published(world: dict[str, Any], staff: User, field: TechField) -> int:
    """Volunteered, solved and published: the assignment's id."""
    rid = world["round"].pk
    assert _volunteer(world, field).status_code == 201
    assert As(staff).post(f"{rid}/solve/").status_code == 200
    assert As(staff).post(f"{rid}/publish/").status_code == 200
    return Assignment.objects.get(round_id=rid).pk


def _visit(world: dict[str, Any], aid: int, **extra: Any) -> Any:
    data = {
        "date": timezone.localdate().isoformat(),
        "mode": "onsite",
        "problem": "注塑件缩痕",
        "advice": "延长保压时间",
        **extra,
    }
    return As(world["prof"]).post(f"{world['round'].pk}/assignments/{aid}/visits/", data)


# ---------------------------------------------------------------------------- the story


def test_the_story_over_the_api(world, staff, alice, field) -> None:  # type: ignore[no-untyped-def]
    rid = world["round"].pk
    prof = As(world["prof"])
    made = _volunteer(world, field)
    assert made.status_code == 201, made.content
    assert made.json()["capacity"] == 3
    assert made.json()["districts"] == ["370100"]
    assert As(staff).body(f"{rid}/volunteers/")["count"] == 1
    assert prof.body(f"{rid}/volunteers/")["count"] == 1  # their own row

    solved = As(staff).post(f"{rid}/solve/")
    assert solved.status_code == 200, solved.content
    solution = solved.json()
    assert len(solution["assigned"]) == 1
    assert solution["unserved"] == []
    assert solution["optimal"] is True
    assert {"value", "seconds"} <= set(solution)
    # not published yet: the expert and the enterprise see no assignment
    assert prof.body(f"{rid}/assignments/")["count"] == 0
    assert As(staff).body(f"{rid}/assignments/")["count"] == 1

    published = As(staff).post(f"{rid}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    rows = prof.body(f"{rid}/assignments/")["results"]
    assert [r["expert"]["id"] for r in rows] == [world["expert"].pk]
    aid = rows[0]["id"]
    assert As(alice).body(f"{rid}/assignments/")["count"] == 1

    logged = _visit(world, aid)
    assert logged.status_code == 201, logged.content
    vid = logged.json()["id"]
    assert As(alice).body(f"{rid}/assignments/{aid}/visits/")["count"] == 1

    rated = As(alice).post(f"visits/{vid}/rate/", {"rating": 5, "comment": "很有帮助"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["rating"] == 5
    assert rated.json()["confirmed_at"]

    proposed = prof.post(f"visits/{vid}/propose/", {"need": world["need"].pk})
    assert proposed.status_code == 200, proposed.content
    match_id = proposed.json()["match"]
    assert match_id
    pairs = As(alice).client.get("/api/matches/").json()["results"]
    assert match_id in [p["id"] for p in pairs]

    book = As(staff).body(f"{rid}/ledger/")
    assert book["experts"][0]["expert"]["id"] == world["expert"].pk
    assert (book["experts"][0]["visits"], book["experts"][0]["rating"]) == (1, 5.0)
    assert book["experts"][0]["pairs"] == 1
    assert book["coverage"][0]["served"] == 1


def test_staff_create_open_and_add_enterprises(world, staff, alice, charlie, field) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    data = {
        "title": "第二批",
        "region_code": "370100",
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=90)).isoformat(),
        "field_ids": [field.pk],
    }
    assert As(alice).post("", data).status_code == 403
    created = As(staff).post("", data)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["field_ids"], body["can_manage"]) == ("draft", [field.pk], True)
    rid = body["id"]
    # a draft is for staff of its region only
    assert As(alice).get(f"{rid}/").status_code == 404
    assert rid not in [r["id"] for r in As(None).body()["results"]]
    assert As(alice).post(f"{rid}/open/").status_code == 404
    opened = As(staff).post(f"{rid}/open/")
    assert opened.json()["status"] == "open"
    assert As(staff).post(f"{rid}/open/").status_code == 409
    assert As(alice).get(f"{rid}/").json()["can_manage"] is False

    assert As(alice).post(f"{rid}/enterprises/", {}).status_code == 403
    added = As(staff).post(f"{rid}/enterprises/", {})
    assert added.status_code == 201, added.content
    assert added.json() == {"added": 1}
    rows = As(staff).body(f"{rid}/enterprises/")["results"]
    assert rows[0]["organization"]["name"] == "甲企业有限公司"
    assert [n["id"] for n in rows[0]["needs"]] == [world["need"].pk]
    assert As(alice).body(f"{rid}/enterprises/")["count"] == 1
    assert As(charlie).body(f"{rid}/enterprises/")["count"] == 0
    # an enterprise outside the round's region
    outside = As(staff).post(f"{rid}/enterprises/", {"organization_ids": [charlie.organization.pk]})
    assert "本地区" in field_error(outside, "organization_ids")
    bad_dates = As(staff).post("", {**data, "period_end": "2000-01-01"})
    assert "早于" in field_error(bad_dates, "period_end")
    assert "title" in As(staff).post("", {}).json()


def test_exclusions_by_the_enterprise_itself_and_unserved_reasons(
    world, staff, alice, charlie, field
) -> None:  # type: ignore[no-untyped-def]
    rid = world["round"].pk
    eid = RoundEnterprise.objects.get(round_id=rid).pk
    # nobody volunteered: unserved, with the reason's code and Chinese label
    unserved = As(staff).post(f"{rid}/solve/").json()["unserved"]
    assert unserved == [
        {"enterprise": eid, "reason": "no_candidate", "reason_label": "无达到最低分的专家"}
    ]
    institute = world["expert"].organization_id
    tail = f"{rid}/enterprises/{eid}/exclusions/"
    assert As(charlie).post(tail, {"organization_ids": [institute]}).status_code == 403
    assert As(world["prof"]).post(tail, {"organization_ids": [institute]}).status_code == 403
    own = As(alice).post(tail, {"organization_ids": [alice.organization.pk]})
    assert "回避" in field_error(own, "organization_ids")
    done = As(alice).post(tail, {"organization_ids": [institute]})
    assert done.status_code == 200, done.content
    assert [o["id"] for o in done.json()["excluded"]] == [institute]
    assert _volunteer(world, field).status_code == 201
    solution = As(staff).post(f"{rid}/solve/").json()
    assert solution["assigned"] == []
    assert solution["unserved"][0]["reason"] == "conflict"
    assert solution["unserved"][0]["reason_label"] == "仅有回避单位的专家"
    assert As(staff).body(f"{rid}/enterprises/")["results"][0]["unserved_reason"] == "conflict"


# ----------------------------------------------------------------- who may do what, bad input


def test_bad_volunteering_is_refused_with_chinese_messages(world, alice, field) -> None:  # type: ignore[no-untyped-def]
    assert "1 到 50" in field_error(_volunteer(world, field, capacity=0), "capacity")
    assert field_error(_volunteer(world, field, capacity="abc"), "capacity")
    assert "地区之内" in field_error(_volunteer(world, field, districts=["440100"]), "districts")
    other = TechField.objects.exclude(pk=field.pk).order_by("pk").first()
    assert other is not None
    assert "领域" in field_error(_volunteer(world, field, field_ids=[other.pk]), "field_ids")
    # someone with no published expert profile
    refused = As(alice).post(
        f"{world['round'].pk}/volunteers/",
        {"capacity": 1, "field_ids": [field.pk], "districts": ["370100"]},
    )
    assert refused.status_code == 403
    assert CJK.search(refused.json()["detail"])
    assert not Volunteer.objects.exists()


def test_visits_ratings_and_proposals_by_the_right_people_only(
    world, staff, alice, charlie, field
) -> None:  # type: ignore[no-untyped-def]
    aid = _published(world, staff, field)
    rid = world["round"].pk
    tail = f"{rid}/assignments/{aid}/visits/"
    visit = {
        "date": timezone.localdate().isoformat(),
        "mode": "onsite",
        "problem": "p",
        "advice": "a",
    }
    assert As(alice).post(tail, visit).status_code == 403  # sees it, is not the expert
    assert As(charlie).post(tail, visit).status_code == 404  # does not see it
    assert As(charlie).get(tail).status_code == 404
    assert As(None).get(tail).status_code in (401, 403)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert "晚于今天" in field_error(_visit(world, aid, date=tomorrow.isoformat()), "date")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert "早于" in field_error(_visit(world, aid, date=yesterday.isoformat()), "date")
    assert field_error(_visit(world, aid, date="not-a-date"), "date")
    assert field_error(_visit(world, aid, mode="carrier-pigeon", problem=""), "mode")
    assert not Visit.objects.exists()
    vid = _visit(world, aid).json()["id"]

    for user in (world["prof"], staff):  # they see the visit, they may not rate it
        assert As(user).post(f"visits/{vid}/rate/", {"rating": 5}).status_code == 403
    assert As(charlie).post(f"visits/{vid}/rate/", {"rating": 5}).status_code == 404  # unseen
    assert As(charlie).post(f"visits/{vid}/rate/", {}).status_code == 404  # before field errors
    assert "1 到 5" in field_error(As(alice).post(f"visits/{vid}/rate/", {"rating": 6}), "rating")
    assert As(alice).post("visits/999999/rate/", {"rating": 5}).status_code == 404

    assert As(alice).post(f"visits/{vid}/propose/", {"need": world["need"].pk}).status_code == 403
    other_need = Need.objects.exclude(pk=world["need"].pk).first()
    wrong = As(world["prof"]).post(
        f"visits/{vid}/propose/", {"need": other_need.pk if other_need else 999999}
    )
    assert "需求" in field_error(wrong, "need")
    assert field_error(As(world["prof"]).post(f"visits/{vid}/propose/", {}), "need")
    # the ledger is for staff who manage the round
    assert As(alice).get(f"{rid}/ledger/").status_code == 403
    assert As(staff).get(f"{rid}/ledger/").status_code == 200


def test_publishing_after_a_swap_that_breaks_a_rule_is_refused(world, staff, alice, field) -> None:  # type: ignore[no-untyped-def]
    rid = world["round"].pk
    org = world["need"].organization
    own = member("own_expert", org, Membership.Role.EXPERT)
    insider = ExpertFactory(organization=org, user=own, name="内部专家")
    insider.fields.set([field])
    assert (
        As(own)
        .post(
            f"{rid}/volunteers/", {"capacity": 2, "field_ids": [field.pk], "districts": ["370100"]}
        )
        .status_code
        == 201
    )
    eid = RoundEnterprise.objects.get(round_id=rid).pk
    vol = Volunteer.objects.get(round_id=rid, expert=insider).pk
    assert (
        As(alice).post(f"{rid}/assignments/pin/", {"enterprise": eid, "volunteer": vol}).status_code
        == 403
    )
    wrong = As(staff).post(f"{rid}/assignments/pin/", {"enterprise": eid, "volunteer": 999999})
    assert wrong.status_code == 400
    assert CJK.search(json.dumps(wrong.json(), ensure_ascii=False))
    pinned = As(staff).post(f"{rid}/assignments/pin/", {"enterprise": eid, "volunteer": vol})
    assert pinned.status_code == 200, pinned.content
    assert pinned.json()["pinned"] is True
    refused = As(staff).post(f"{rid}/publish/")
    assert refused.status_code == 400, refused.content
    assert CJK.search(json.dumps(refused.json(), ensure_ascii=False))
    assert Round.objects.get(pk=rid).status == Round.Status.OPEN
    assert As(alice).post(f"{rid}/publish/").status_code == 403
    assert As(alice).post(f"{rid}/solve/").status_code == 403


def test_unknown_rounds_are_404_and_the_list_is_public(world, charlie) -> None:  # type: ignore[no-untyped-def]
    assert As(charlie).get("999999/").status_code == 404
    assert As(charlie).get("999999/assignments/").status_code == 404
    assert As(charlie).post("999999/solve/").status_code == 404
    listed = As(None).body()
    assert [r["id"] for r in listed["results"]] == [world["round"].pk]
    assert listed["results"][0]["enterprise_count"] == 1
    assert As(None).post("", {}).status_code in (401, 403)


def test_the_schema_documents_every_route() -> None:
    schema = As(None).client.get("/api/schema/", {"format": "json"}).json()
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith(BASE)}
    assert len(paths) == len(api_urls.urlpatterns)
    for tail in ("", "{id}/solve/", "{id}/assignments/{aid}/visits/", "visits/{vid}/rate/"):
        assert BASE + tail in paths
    lists = ("", "{id}/enterprises/", "{id}/volunteers/", "{id}/assignments/")
    for tail in (*lists, "{id}/assignments/{aid}/visits/"):
        answer = paths[BASE + tail]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"]["$ref"].split("/")[-1].startswith("Paginated"), tail
    solve = paths[BASE + "{id}/solve/"]["post"]["responses"]["200"]["content"]
    assert solve["application/json"]["schema"]["$ref"].endswith("/Solution")


# ---------------------------------------------------------------- the schema test's round


def schema_round(*, staff: User, enterprise: User) -> int:
    """A published round with one of everything the API lists, written straight to the
    tables (the demo has no round). The round and its assignment share one id, because the
    schema test fills every parameter of a path (``{id}``, ``{aid}``) with the same number."""
    pk = 1 + max(m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in (Round, Assignment))
    now, today = timezone.now(), timezone.localdate()
    org = enterprise.organization
    assert staff.organization is not None
    assert org is not None
    region = staff.organization.region_code
    round_ = Round.objects.create(
        pk=pk, title="演示产业特派员批次", region_code=region,
        period_start=today - dt.timedelta(days=30), period_end=today + dt.timedelta(days=150),
        min_score=0.0, status=Round.Status.PUBLISHED, solved_at=now - dt.timedelta(days=21),
        published_at=now - dt.timedelta(days=20), created_by=staff,
    )  # fmt: skip
    needs = list(Need.objects.filter(organization=org, status=PostingStatus.PUBLISHED)[:3])
    row = RoundEnterprise.objects.create(round=round_, organization=org)
    row.needs.set(needs)
    expert = Expert.objects.filter(status=PostingStatus.PUBLISHED).order_by("pk").first()
    if expert is None:
        institute = OrganizationFactory(name="演示研究院", org_type="institute", region_code=region)
        expert = ExpertFactory(organization=institute, name="演示专家")
    vol = Volunteer.objects.create(round=round_, expert=expert, capacity=3, districts=[region])
    vol.fields.set(TechField.objects.order_by("pk")[:1])
    assignment = Assignment.objects.create(
        pk=pk, round=round_, enterprise=row, volunteer=vol, score=0.8,
        need=needs[0] if needs else None,
    )  # fmt: skip
    Visit.objects.create(
        assignment=assignment, date=today - dt.timedelta(days=10), mode=Visit.Mode.ONSITE,
        problem="产线良率偏低", advice="优化工艺参数", next_step="安排中试",
        logged_by=expert.user or staff, confirmed_at=now - dt.timedelta(days=9), rating=5,
        rated_by=enterprise,
    )  # fmt: skip
    return pk
