"""The challenge-list and competition API (/api/challenges/): the story of a challenge from
publication to a pair with milestones, what each viewer sees of bids and reviews, bad input
answered with Chinese field messages, who may do what, and the schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, User
from portal.challenges import api_urls
from portal.challenges.models import (
    Challenge,
    Criterion,
    Entry,
    Member,
    Milestone,
    Objection,
    Programme,
    Review,
    Reviewer,
    Stage,
)
from portal.models import Expert, Need, PostingStatus, Result, TechField
from tests.accounts.factories import OrganizationFactory, member
from tests.challenges.conftest import ListWorld, programme_data
from tests.matching.factories import ExpertFactory, ResultFactory

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


class As:
    """One user's calls on the API (paths relative to /api/challenges/ or a programme)."""

    def __init__(self, user: User | None, programme: Any = None) -> None:
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)
        pk = getattr(programme, "pk", programme)
        self.base = f"/api/challenges/{pk}/" if pk is not None else "/api/challenges/"

    def get(self, tail: str = "", **params: Any) -> Any:
        return self.client.get(self.base + tail, params)

    def post(self, tail: str = "", data: Any = None, format: str = "json") -> Any:
        return self.client.post(self.base + tail, {} if data is None else data, format=format)

    def patch(self, tail: str, data: Any) -> Any:
        return self.client.patch(self.base + tail, data, format="json")

    def body(self, tail: str = "", **params: Any) -> Any:
        response = self.get(tail, **params)
        assert response.status_code == 200, response.content
        return response.json()

    def rows(self, tail: str, **params: Any) -> list[dict[str, Any]]:
        return self.body(tail, **params)["results"]  # type: ignore[no-any-return]


def field_error(response: Any, field: str, status: int = 400) -> str:
    """The Chinese message(s) the response gives for ``field``."""
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert field in body, body
    text = json.dumps(body[field], ensure_ascii=False)
    assert CJK.search(text), body
    return text


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


def _bid(world: ListWorld, dora: User, erin: User, shares: Any = (70, 30), **extra: Any) -> Any:
    members = [
        {"organization": dora.organization.pk, "role": "lead", "budget_share": shares[0],
         "duty": "总体方案", "people": "张教授"},
        {"organization": erin.organization.pk, "role": "member", "budget_share": shares[1]},
    ]  # fmt: skip
    data = {
        "challenge": world.challenge.pk,
        "title": "高盐废水分质处理方案",
        "proposal": "分质分盐，催化氧化深度处理。",
        "budget": "480.00",
        "members": members,
        "result": world.result.pk,
        **extra,
    }
    return As(dora, world.programme).post("entries/", data)


def _confirmed(world: ListWorld, dora: User, erin: User) -> dict[str, Any]:
    entry = _bid(world, dora, erin).json()
    confirmed = As(erin, world.programme).post(f"entries/{entry['id']}/confirm/")
    assert confirmed.json()["status"] == "submitted", confirmed.content
    return confirmed.json()  # type: ignore[no-any-return]


def _assign(world: ListWorld, staff: User, expert: Expert) -> Any:
    stage = world.programme.stages.get()
    data = {"expert": expert.pk, "challenge": world.challenge.pk}
    return As(staff, world.programme).post(f"stages/{stage.pk}/reviewers/", data)


def _scores(world: ListWorld, value: Any) -> dict[str, Any]:
    criteria = world.programme.stages.get().criteria.all()
    return {"scores": {str(c.pk): value for c in criteria}, "comment": "方案可行"}


def _after(moment: dt.datetime) -> Any:
    return time_machine.travel(moment + dt.timedelta(minutes=1), tick=False)


@pytest.fixture
def other_staff(db: None) -> User:
    bureau = OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")
    return member("staff_qd", bureau, Membership.Role.STAFF)


@pytest.fixture
def judge2(db: None) -> User:
    org = OrganizationFactory(name="己大学", org_type="university", region_code="370300")
    return member("judge2", org, Membership.Role.EXPERT)


# ------------------------------------------------------------------------------ the story


def test_a_challenge_from_publication_to_a_pair_with_milestones(
    staff: User, dora: User, erin: User, judge: User, charlie: User, university: Organization
) -> None:
    S, C = As(staff), As(charlie)
    created = S.post("", _json({"kind": "challenge_list", **programme_data()}))
    assert created.status_code == 201, created.content
    programme = created.json()
    assert (programme["status"], programme["can_manage"]) == ("draft", True)
    assert [len(stage["criteria"]) for stage in programme["stages"]] == [4]
    P = {u: As(u, programme["id"]) for u in (staff, dora, erin, judge, charlie)}
    assert P[charlie].get().status_code == 404  # a draft
    assert "榜题" in field_error(P[staff].post("publish/"), "non_field_errors")
    field = TechField.objects.values_list("pk", flat=True)[0]
    item = P[staff].post(
        "items/",
        {"title": "高盐废水零排放关键技术", "problem": "印染园区高盐废水难以处理。",
         "targets": "吨水处理成本低于 30 元", "funding": 500, "duration_months": 24,
         "field_ids": [field]},
    )  # fmt: skip
    assert item.status_code == 201, item.content
    challenge = item.json()
    assert challenge["need"]["title"] == "高盐废水零排放关键技术"  # it entered the need register
    assert P[staff].post("publish/").json()["status"] == "open"
    assert [c["id"] for c in C.rows("")] == [programme["id"]]

    result = ResultFactory(organization=university, created_by=dora, title="催化臭氧氧化")
    expert = ExpertFactory(organization=judge.organization, user=judge, name="评审专家")
    world = ListWorld(
        Programme.objects.get(pk=programme["id"]),
        Challenge.objects.get(pk=challenge["id"]),
        result,
        expert,
    )
    bid = _bid(world, dora, erin)
    assert bid.status_code == 201, bid.content
    entry = bid.json()
    assert (entry["status"], entry["mine"], entry["is_lead"]) == ("confirming", True, True)
    assert [m["role"] for m in entry["members"]] == ["lead", "member"]
    assert entry["result"] == {"id": result.pk, "title": "催化臭氧氧化"}
    assert P[erin].rows("entries/")[0]["is_lead"] is False
    assert P[erin].post(f"entries/{entry['id']}/confirm/").json()["status"] == "submitted"
    assert P[charlie].get(f"entries/{entry['id']}/").status_code == 404
    assert _assign(world, staff, expert).status_code == 201
    assert P[judge].rows(f"stages/{world.programme.stages.get().pk}/reviewers/")[0]["expert"]

    with _after(world.programme.entry_deadline):
        assert [e["id"] for e in P[judge].rows("entries/")] == [entry["id"]]
        assert P[judge].rows(f"entries/{entry['id']}/reviews/") == []
        review = P[judge].post(f"entries/{entry['id']}/reviews/", _scores(world, 90))
        assert review.status_code == 201, review.content
        assert (review.json()["total"], review.json()["mine"]) == ("90.00", True)
        assert P[staff].body(f"entries/{entry['id']}/")["score"] == "90.00"
        assert P[dora].body(f"entries/{entry['id']}/")["score"] is None
        select = {"entry": entry["id"], "reason": "综合评分第一"}
        picked = P[staff].post(f"items/{challenge['id']}/select/", select)
        assert picked.status_code == 200, picked.content
        assert P[dora].body(f"entries/{entry['id']}/")["status"] == "selected"
        publicity = P[staff].post("publicity/").json()
        assert (publicity["status"], bool(publicity["publicity_end"])) == ("publicity", True)
        # 公示: anyone sees the selected bid's title and units, not its proposal
        public = As(None, programme["id"]).body()["result"]
        assert [(r["title"], [u["name"] for u in r["units"]]) for r in public] == [
            ("高盐废水分质处理方案", ["丙大学", "丁研究院"])
        ]
        seen = P[charlie].body(f"entries/{entry['id']}/")
        assert (seen["proposal"], seen["budget"], seen["members"][0]["budget_share"]) == (
            None, None, None
        )  # fmt: skip
        grounds = {"entry": entry["id"], "grounds": "联合体分工描述与实际不符，请核实。"}
        objection = P[erin].post("objections/", grounds)
        assert objection.status_code == 201, objection.content
        assert "公示期" in field_error(P[staff].post("finalize/"), "non_field_errors")
    end = Programme.objects.get(pk=programme["id"]).publicity_end
    assert end is not None
    with _after(end):
        late = P[charlie].post("objections/", {"grounds": "再次提出异议的理由，请核实。"})
        assert "不在公示期" in field_error(late, "non_field_errors")
        assert "未处理" in field_error(P[staff].post("finalize/"), "non_field_errors")
        assert P[charlie].rows("objections/") == []
        assert P[erin].rows("objections/")[0]["handling"] == ""
        handle = {"handling": "dismissed", "handling_note": "经核实分工属实。"}
        handled = P[staff].post(f"objections/{objection.json()['id']}/handle/", handle)
        assert handled.json()["handling_label"] == "异议不成立", handled.content
        final = P[staff].post("finalize/")
        assert final.json()["status"] == "final", final.content
        pairs = S.client.get("/api/matches/").json()["results"]
        pair = next(p for p in pairs if p["need"]["id"] == challenge["need"]["id"])
        assert (pair["result"]["id"], pair["status"]) == (result.pk, "negotiating")
        assert P[dora].body(f"entries/{entry['id']}/")["match"] == pair["id"]
        milestones = P[dora].rows("milestones/")
        assert [m["kind"] for m in milestones] == ["task_book", "midterm", "acceptance"]
        assert P[staff].body("milestones/")["count"] == 3
        assert P[charlie].body("milestones/")["count"] == 0
        task_book = f"milestones/{milestones[0]['id']}/complete/"
        assert P[erin].post(task_book, {"done_at": "2020-01-01", "note": "已签"}).status_code == 403
        fake = SimpleUploadedFile("任务书.pdf", b"not a pdf at all")
        today = timezone.localdate().isoformat()
        refused = P[dora].post(
            task_book, {"done_at": today, "note": "任务书已签订", "document": fake}, "multipart"
        )
        assert "不支持的文件类型" in field_error(refused, "document")
        pdf = SimpleUploadedFile(
            "任务书.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
        )
        done = P[dora].post(
            task_book,
            {"done_at": timezone.localdate().isoformat(), "note": "任务书已签订", "document": pdf},
            format="multipart",
        )
        assert done.status_code == 200, done.content
        document = done.json()["document"]
        assert (
            document
            == f"/challenges/entries/{entry['id']}/milestones/{milestones[0]['id']}/document/"
        )
        for user, code in ((dora, 200), (charlie, 404)):
            browser = APIClient()
            browser.force_login(user)
            assert browser.get(document).status_code == code
        signed = P[staff].post(f"entries/{entry['id']}/sign/", {"contract_amount": "500"})
        assert signed.status_code == 200, signed.content
        assert S.client.get(f"/api/matches/{pair['id']}/").json()["status"] == "signed"
        stats = P[charlie].body("stats/")
        assert (stats["entries"], stats["awarded"], stats["milestones_done"]) == (1, 1, 1)
        assert "丙大学" not in json.dumps(stats, ensure_ascii=False)


def test_a_competition_over_the_api(staff: User, charlie: User) -> None:
    S = As(staff)
    stages = [
        {"name": "初赛", "cut_top_n": 1, "criteria": [{"name": "创新性", "weight": 100}]},
        {"name": "决赛", "cut_top_n": 1, "criteria": [{"name": "综合", "weight": 100}]},
    ]
    data = {"kind": "competition", "groups": ["初创组"], "stages": stages}
    bad = {**data, "stages": [{"name": "初赛", "criteria": [{"name": "创新性", "weight": 60}]}]}
    assert "合计须为 100" in field_error(S.post("", _json({**programme_data(), **bad})), "stages")
    created = S.post("", _json({**programme_data(title="创新创业大赛"), **data}))
    assert created.status_code == 201, created.content
    comp = created.json()
    assert [s["name"] for s in comp["stages"]] == ["初赛", "决赛"]
    P = As(staff, comp["id"])
    assert P.post("publish/").json()["status"] == "open"
    group = comp["groups"][0]["id"]
    C = As(charlie, comp["id"])
    assert "组别" in field_error(
        C.post("entries/", {"title": "项目", "proposal": "计划书"}), "group"
    )
    entry = C.post("entries/", {"group": group, "title": "项目", "proposal": "计划书"})
    assert entry.json()["status"] == "submitted", entry.content
    bank = OrganizationFactory(name="某银行", region_code="370100")
    judge = member("judge_c", bank, Membership.Role.EXPERT)
    first = comp["stages"][0]
    assert P.post(f"stages/{first['id']}/reviewers/", {"reviewer": judge.pk}).status_code == 201
    programme = Programme.objects.get(pk=comp["id"])
    with _after(programme.entry_deadline):
        scores = {"scores": {str(first["criteria"][0]["id"]): 80}}
        path = f"entries/{entry.json()['id']}/reviews/"
        assert As(judge, comp["id"]).post(path, scores).status_code == 201
        closed = P.post(f"stages/{first['id']}/close/", {"reason": "按得分排序"})
        assert closed.status_code == 200, closed.content
        assert (closed.json()["stage"]["status"], closed.json()["kept"]) == (
            "closed", [entry.json()["id"]]
        )  # fmt: skip
        assert C.body(f"entries/{entry.json()['id']}/")["stage"]["name"] == "决赛"
        again = P.post(f"stages/{first['id']}/close/")
        assert "已结束" in field_error(again, "non_field_errors", status=409)


# ----------------------------------------------------------------------- who sees what


def test_bidders_never_see_each_others_bids(
    list_world: ListWorld, dora: User, erin: User, charlie: User, staff: User
) -> None:
    mine = _bid(list_world, dora, erin).json()
    offer = ResultFactory(organization=charlie.organization, created_by=charlie)
    theirs = As(charlie, list_world.programme).post(
        "entries/",
        {"challenge": list_world.challenge.pk, "title": "乙方案", "proposal": "膜分离",
         "result": offer.pk},
    )  # fmt: skip
    assert theirs.status_code == 201, theirs.content
    seen = {
        user.username: [e["id"] for e in As(user, list_world.programme).rows("entries/")]
        for user in (dora, erin, charlie, staff)
    }
    assert seen == {
        "dora": [mine["id"]],
        "erin": [mine["id"]],
        "charlie": [theirs.json()["id"]],
        "staff": [mine["id"], theirs.json()["id"]],
    }
    C, D = As(charlie, list_world.programme), As(dora, list_world.programme)
    for tail in ("", "reviews/", "confirm/", "withdraw/"):
        path = f"entries/{mine['id']}/{tail}"
        answer = C.get(path) if tail in ("", "reviews/") else C.post(path)
        assert answer.status_code == 404, (tail, answer.content)
    assert D.get(f"entries/{theirs.json()['id']}/").status_code == 404
    assert As(None, list_world.programme).body("entries/")["count"] == 0
    assert As(None, list_world.programme).body()["result"] == []


def test_reviewers_see_other_reviews_only_after_submitting_their_own(
    list_world: ListWorld, dora: User, erin: User, staff: User, judge: User, judge2: User
) -> None:
    entry = _confirmed(list_world, dora, erin)
    second = ExpertFactory(organization=judge2.organization, user=judge2, name="第二位专家")
    assert _assign(list_world, staff, list_world.reviewer_expert).status_code == 201
    assert _assign(list_world, staff, second).status_code == 201
    path = f"entries/{entry['id']}/reviews/"
    J, J2 = As(judge, list_world.programme), As(judge2, list_world.programme)
    with _after(list_world.programme.entry_deadline):
        assert J.post(path, _scores(list_world, 80)).status_code == 201
        assert J2.rows(path) == []  # not before their own is in
        assert As(dora, list_world.programme).rows(path) == []
        assert [r["mine"] for r in J.rows(path)] == [True]
        assert J2.post(path, _scores(list_world, 60)).status_code == 201
        reviews = J2.rows(path)
        assert sorted((r["mine"], r["total"]) for r in reviews) == [
            (False, "80.00"), (True, "60.00")
        ]  # fmt: skip
        assert [r["reviewer"] for r in reviews if not r["mine"]] == [None]
        assert len(As(staff, list_world.programme).rows(path)) == 2
        assert [
            r["user"]["name"] for r in J2.rows(f"stages/{entry['stage']['id']}/reviewers/")
        ] == [str(judge2)]


# -------------------------------------------------------------------------------- bad input


def test_bad_bids(list_world: ListWorld, dora: User, erin: User, charlie: User) -> None:
    lead = {"organization": dora.organization.pk, "role": "lead", "budget_share": 50}
    partner = {"organization": erin.organization.pk, "role": "member", "budget_share": 50}
    cases = [
        ({"members": [{**partner, "budget_share": 100}]}, "members", "牵头单位"),
        ({"members": [lead, {**lead, "role": "member"}]}, "members", "两次"),
        ({"members": [lead, {**partner, "budget_share": 20}]}, "members", "合计须为 100"),
        ({"members": [lead, {**partner, "budget_share": 150}]}, "members", "100"),
        ({"members": [lead, {**partner, "organization": 999999}]}, "members", "不存在"),
        ({"members": [lead, {**partner, "role": "boss"}]}, "members", "boss"),
        ({"members": "dora+erin"}, "members", "列表"),
        ({"challenge": "abc"}, "challenge", "整数"),
        ({"challenge": 999999}, "challenge", "榜题"),
        ({"challenge": None}, "challenge", "榜题"),
        ({"result": None}, "result", "成果"),
        ({"result": 10**20}, "result", ""),
        ({"title": ""}, "title", "空"),
        ({"budget": "很多"}, "budget", "数字"),
    ]
    for extra, field, words in cases:
        assert words in field_error(_bid(list_world, dora, erin, **extra), field), extra
    missing = As(dora, list_world.programme).post("entries/", {})
    assert "必填" in field_error(missing, "title")
    with _after(list_world.programme.entry_deadline):
        assert "截止" in field_error(_bid(list_world, dora, erin), "non_field_errors")
    assert not Entry.objects.exists()


def test_bad_reviewers_and_conflicts(
    list_world: ListWorld, dora: User, erin: User, staff: User, judge: User
) -> None:
    _confirmed(list_world, dora, erin)
    S, J = As(staff, list_world.programme), As(judge)
    org = erin.organization.pk
    declared = J.post("conflicts/", {"organization": org, "reason": "近三年合作"})
    assert declared.json()["organization"]["name"] == "丁研究院", declared.content
    challenge, expert = list_world.challenge.pk, list_world.reviewer_expert.pk
    cases = [
        ({"reviewer": erin.pk, "challenge": challenge}, "reviewer", "同属一个单位"),
        ({"expert": expert, "challenge": challenge}, "reviewer", "近三年合作"),
        ({"reviewer": judge.pk}, "challenge", "榜题"),
        ({"challenge": challenge}, "reviewer", "评审人不存在"),
        ({"reviewer": "x", "challenge": challenge}, "reviewer", "整数"),
    ]
    reviewers = f"stages/{list_world.programme.stages.get().pk}/reviewers/"
    for data, field, words in cases:
        assert words in field_error(S.post(reviewers, data), field), data
    for data, words in (({"organization": 999999}, "单位不存在"), ({"organization": "x"}, "整数")):
        assert words in field_error(J.post("conflicts/", data), "organization")
    assert not Reviewer.objects.exists()


def test_bad_scores_selections_and_objections(
    list_world: ListWorld, dora: User, erin: User, staff: User, judge: User
) -> None:
    entry = _confirmed(list_world, dora, erin)
    assert _assign(list_world, staff, list_world.reviewer_expert).status_code == 201
    S, J, E = (As(u, list_world.programme) for u in (staff, judge, erin))
    path, select = f"entries/{entry['id']}/reviews/", f"items/{list_world.challenge.pk}/select/"
    first = {"entry": entry["id"], "reason": "综合评分第一"}
    with _after(list_world.programme.entry_deadline):
        for data, words in (
            (_scores(list_world, 120), "0 到 100"), (_scores(list_world, -1), "0 到 100"),
            (_scores(list_world, "优秀"), "数字"), ({"scores": {}}, "打分"),
            ({"scores": [90]}, "字典"),
        ):  # fmt: skip
            assert words in field_error(J.post(path, data), "scores"), data
        assert As(dora, list_world.programme).post(path, _scores(list_world, 90)).status_code == 403
        for data, field, words in (
            (first, "override_reason", "未提交"), ({**first, "reason": " "}, "reason", "理由"),
            ({"reason": "无"}, "entry", "必填"),
        ):  # fmt: skip
            assert words in field_error(S.post(select, data), field), data
        assert J.post(path, _scores(list_world, 90)).status_code == 201
        assert "有效揭榜方案" in field_error(S.post(select, {**first, "entry": 999999}), "entry")
        assert S.post(select, first).status_code == 200
        assert S.post("publicity/").status_code == 200
        for data, field, words in (
            ({"grounds": "不服"}, "grounds", "10 个字"),
            ({"grounds": "该项目并非入选项目，请核实。", "entry": 999999}, "entry", "入选项目"),
        ):
            assert words in field_error(E.post("objections/", data), field), data
    end = Programme.objects.get(pk=list_world.programme.pk).publicity_end
    assert end is not None
    with _after(end):
        late = E.post("objections/", {"grounds": "公示期后才发现的问题。"})
        assert "不在公示期" in field_error(late, "non_field_errors")
    assert not Objection.objects.exists()


def test_bad_programmes_and_challenges(list_world: ListWorld, staff: User) -> None:
    S, P = As(staff), As(staff, list_world.programme)
    base = _json({"kind": "challenge_list", **programme_data()})
    cases = [
        ({}, "kind", "必填"),
        ({**base, "kind": "planet"}, "kind", "planet"),
        ({**base, "period_end": "2000-01-01"}, "period_end", "早于"),
        ({**base, "region_code": "370200"}, "region_code", "辖区"),
        ({**base, "stages": [{"name": "一"}, {"name": "二"}]}, "stages", "一个评审阶段"),
        ({**base, "stages": [{"criteria": [{"name": "x", "weight": "重"}]}]}, "stages", "数字"),
        ({**base, "entry_deadline": "tomorrow"}, "entry_deadline", "格式"),
        ({**base, "objection_days": 99}, "objection_days", "30"),
    ]
    for data, field, words in cases:
        assert words in field_error(S.post("", data), field), data
    item = {"title": "榜题", "problem": "难题", "targets": "指标", "funding": 10,
            "duration_months": 12}  # fmt: skip
    cases = [
        ({}, "title", "空"),
        (item, "field_ids", "技术领域"),
        ({**item, "field_ids": [999999]}, "field_ids", "不存在"),
        ({**item, "duration_months": 0}, "duration_months", "1"),
        ({**item, "funding": -1}, "funding", "0"),
        ({"need_id": 999999}, "need_id", "需求"),
    ]
    for data, field, words in cases:
        assert words in field_error(P.post("items/", data), field), data
    need = Need.objects.create(
        title="来自需求库的难题", description="描述", region_code="370100",
        status=PostingStatus.PUBLISHED, budget_max=300,
    )  # fmt: skip
    from_need = P.post("items/", {"need_id": need.pk, "targets": "指标", "duration_months": 12})
    assert from_need.status_code == 201, from_need.content
    assert (from_need.json()["title"], from_need.json()["funding"]) == (
        "来自需求库的难题",
        "300.00",
    )
    invited = P.post(
        f"items/{list_world.challenge.pk}/invite/", {"result_ids": [list_world.result.pk]}
    )
    assert invited.json() == {"count": 1}
    assert "整数" in json.dumps(
        P.post(f"items/{list_world.challenge.pk}/invite/", {"result_ids": ["x"]}).json(),
        ensure_ascii=False,
    )


# ---------------------------------------------------------------------------- permissions


def test_drafts_are_404_to_everyone_but_staff_of_the_region(
    staff: User, other_staff: User, charlie: User
) -> None:
    draft = As(staff).post("", _json({"kind": "challenge_list", **programme_data()})).json()
    for user in (None, charlie, other_staff):
        assert As(user, draft["id"]).get().status_code == 404
        assert As(user, draft["id"]).get("items/").status_code == 404
        assert draft["id"] not in [p["id"] for p in As(user).rows("")]
    assert As(other_staff, draft["id"]).post("publish/").status_code == 404
    assert As(staff, draft["id"]).body()["status"] == "draft"


STAFF_ONLY = [
    ("publish/", {}),
    ("publicity/", {}),
    ("finalize/", {}),
    ("items/", {"title": "榜题", "problem": "难题", "targets": "指标", "funding": 1,
                "duration_months": 1, "field_ids": []}),
    ("items/{cid}/invite/", {"result_ids": []}),
    ("items/{cid}/select/", {"entry": None, "reason": "无人入选"}),
    ("stages/{sid}/reviewers/", {"reviewer": 1, "challenge": 1}),
    ("stages/{sid}/close/", {"reason": "结束"}),
    ("entries/{eid}/sign/", {"contract_amount": "1"}),
    ("entries/{eid}/follow-up/", {"due": "2030-01-01"}),
]  # fmt: skip


@pytest.mark.parametrize(("tail", "data"), STAFF_ONLY)
def test_staff_only_actions(
    list_world: ListWorld, dora: User, erin: User, other_staff: User, tail: str, data: Any
) -> None:
    entry = _confirmed(list_world, dora, erin)
    ids = {"cid": list_world.challenge.pk, "sid": entry["stage"]["id"], "eid": entry["id"]}
    path = tail.format(**ids)
    assert As(None, list_world.programme).post(path, data).status_code in (401, 403)
    for user in (dora, erin, other_staff):
        response = As(user, list_world.programme).post(path, data)
        if user == other_staff and path.startswith("entries/"):
            assert response.status_code == 404  # another region's bids are not theirs to see
            continue
        assert response.status_code == 403, (user, response.content)
        assert CJK.search(response.json()["detail"])
    assert (
        As(dora).post("", _json({"kind": "challenge_list", **programme_data()})).status_code == 403
    )


def test_only_the_lead_edits_or_withdraws_and_only_members_confirm(
    list_world: ListWorld, dora: User, erin: User, charlie: User, staff: User, judge: User
) -> None:
    entry = _bid(list_world, dora, erin).json()
    D, E, C = (As(u, list_world.programme) for u in (dora, erin, charlie))
    path = f"entries/{entry['id']}/"
    assert E.patch(path, {"title": "改名"}).status_code == 403
    assert E.post(path + "withdraw/").status_code == 403
    assert As(staff, list_world.programme).post(path + "confirm/").status_code == 403
    assert As(None, list_world.programme).patch(path, {"title": "改名"}).status_code in (401, 403)
    assert C.patch(path, {"title": "改名"}).status_code == 404
    changed = D.patch(path, {"title": "改名后的方案", "members": []})
    assert (changed.json()["title"], changed.json()["status"]) == ("改名后的方案", "submitted")
    assert E.get(path).status_code == 404  # no longer in the consortium
    assert "合计须为 100" in field_error(
        D.patch(
            path,
            {
                "members": [
                    {"organization": dora.organization.pk, "role": "lead", "budget_share": 90}
                ]
            },
        ),
        "members",
    )
    assert D.post(path + "withdraw/").json()["status"] == "withdrawn"
    assert D.post(path + "withdraw/").status_code == 409
    milestone_path = "milestones/1/complete/"
    assert D.post(milestone_path, {"done_at": "2020-01-01", "note": "完成"}).status_code == 404


# ------------------------------------------------------------------ schema and robustness


def schema_programme(*, staff: User, bidder: User) -> int:
    """A finished challenge list with one of everything the API lists, written straight to
    the tables. Its programme, stage and entry share one id, because the schema test fills
    every parameter of a path (``{id}``, ``{eid}``, ``{sid}``) with the same number."""
    pk = 1 + max(m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in (Programme, Stage, Entry))
    now, today = timezone.now(), timezone.localdate()
    org = bidder.organization
    assert staff.organization is not None
    assert org is not None
    programme = Programme.objects.create(
        pk=pk, kind=Programme.Kind.CHALLENGE_LIST, title="演示揭榜挂帅榜单",
        region_code=staff.organization.region_code, period_start=today - dt.timedelta(days=90),
        period_end=today + dt.timedelta(days=275), entry_deadline=now - dt.timedelta(days=40),
        status=Programme.Status.FINAL, published_at=now - dt.timedelta(days=80),
        publicity_start=now - dt.timedelta(days=20), publicity_end=now - dt.timedelta(days=12),
        finalized_at=now - dt.timedelta(days=10), created_by=staff,
    )  # fmt: skip
    stage = Stage.objects.create(
        pk=pk, programme=programme, order=1, name="揭榜评审", status=Stage.Status.CLOSED,
        closed_at=now - dt.timedelta(days=25),
    )  # fmt: skip
    criterion = Criterion.objects.create(stage=stage, name="技术方案", weight=100)
    challenge = Challenge.objects.create(
        programme=programme, need=Need.objects.filter(status=PostingStatus.PUBLISHED).first(),
        title="演示榜题", problem="难题", targets="指标", funding=500, duration_months=24,
    )  # fmt: skip
    entry = Entry.objects.create(
        pk=pk, programme=programme, challenge=challenge, title="演示揭榜方案", proposal="方案",
        lead=org, submitted_by=bidder, budget=480, status=Entry.Status.AWARDED, stage=stage,
        result=Result.objects.filter(organization=org, status=PostingStatus.PUBLISHED).first(),
        submitted_at=now - dt.timedelta(days=50), decision_reason="综合评分第一",
    )  # fmt: skip
    Member.objects.create(
        entry=entry, organization=org, role=Member.Role.LEAD, budget_share=100,
        confirmed_at=entry.submitted_at, confirmed_by=bidder,
    )  # fmt: skip
    reviewer = Reviewer.objects.create(stage=stage, challenge=challenge, user=staff)
    Review.objects.create(
        reviewer=reviewer, entry=entry, scores={str(criterion.pk): "90"}, total=90,
        comment="可行", submitted_at=now - dt.timedelta(days=30),
    )  # fmt: skip
    Objection.objects.create(
        programme=programme, entry=entry, filed_by=bidder, grounds="请核实联合体分工。",
        handling=Objection.Handling.DISMISSED, handling_note="属实", handled_by=staff,
        handled_at=now - dt.timedelta(days=13),
    )  # fmt: skip
    Milestone.objects.create(
        entry=entry, kind=Milestone.Kind.TASK_BOOK, due_date=today + dt.timedelta(days=20)
    )
    return pk


LISTS = ("challenges/", "items/", "entries/", "reviews/", "reviewers/", "objections/")
WITHOUT_BODY = {
    *("{id}/publish/", "{id}/publicity/", "{id}/finalize/"),
    *("{id}/entries/{eid}/confirm/", "{id}/entries/{eid}/withdraw/"),
}


def test_the_schema_documents_every_route_with_bodies_and_pages(
    staff: User, dora: User, charlie: User
) -> None:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from tests.test_schema_lists import SCHEMA_URI, _json_schema, _validator

    schema = As(None).client.get("/api/schema/", {"format": "json"}).json()
    prefix = "/api/challenges/"
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith(prefix)}
    assert len(paths) == len(api_urls.urlpatterns)
    for path, ops in paths.items():
        for method, op in ops.items():
            if method in ("post", "patch") and path.removeprefix(prefix) not in WITHOUT_BODY:
                assert "requestBody" in op, (method, path)
            if method == "get" and path.endswith((*LISTS, "milestones/")):
                answer = op["responses"]["200"]["content"]["application/json"]["schema"]
                assert answer["$ref"].split("/")[-1].startswith("Paginated"), path
    complete = paths[prefix + "{id}/milestones/{mid}/complete/"]["post"]["requestBody"]
    assert set(complete["content"]) == {"multipart/form-data", "application/json"}

    pk = str(schema_programme(staff=staff, bidder=dora))
    document = Resource.from_contents(
        _json_schema(copy.deepcopy(schema)), default_specification=DRAFT202012
    )
    registry: Registry[Any] = Registry().with_resource(SCHEMA_URI, document)
    for user in (staff, dora, charlie, None):
        for path in [p for p, ops in paths.items() if "get" in ops]:
            response = As(user).client.get(re.sub(r"\{\w+\}", pk, path))
            if user is None and response.status_code in (401, 403):
                continue
            assert response.status_code == 200, (path, user, response.content[:200])
            body = response.json()
            if user == staff:
                assert body.get("results", [body]), path  # staff see something everywhere
            errors = [e.message[:200] for e in _validator(registry, path).iter_errors(body)]
            assert errors == [], (path, user)


def test_no_route_answers_junk_with_a_server_error(staff: User, dora: User, charlie: User) -> None:
    from tests.test_api_robustness import JUNK_BODIES, JUNK_QUERY

    pk = schema_programme(staff=staff, bidder=dora)
    programme = Programme.objects.get(pk=pk)
    objection, milestone = programme.objections.get(), Milestone.objects.get(entry_id=pk)
    ids = {"pk": pk, "cid": programme.challenges.get().pk, "eid": pk, "sid": pk,
           "oid": objection.pk, "mid": milestone.pk}  # fmt: skip
    failures = []
    for user in (None, charlie, dora, staff):
        client = As(user).client
        for pattern in api_urls.urlpatterns:
            path = "/api/challenges/" + re.sub(
                r"<int:(\w+)>", lambda m: str(ids[m[1]]), str(pattern.pattern)
            )
            view = pattern.callback.view_class  # type: ignore[attr-defined]
            answers = [client.get(path, JUNK_QUERY)] if hasattr(view, "get") else []
            for method in ("post", "patch"):
                if not hasattr(view, method):
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


# ------------------------------------------------------------- service bugs the API found


def test_assigning_a_reviewer_twice_is_a_conflict(list_world: ListWorld, staff: User) -> None:
    assert _assign(list_world, staff, list_world.reviewer_expert).status_code == 201
    again = _assign(list_world, staff, list_world.reviewer_expert)
    assert again.status_code == 409
    assert "已分配" in str(again.json())
