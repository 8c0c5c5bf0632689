"""The staff pages of challenge lists and competitions: create through the form, add a
challenge, assign reviewers, select the winner, publicity, objections, finalize, contract
and milestones — each through the browser, the service's refusals shown in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Notification, User
from matching.models import MatchStatus, PairKind
from portal.challenges import awards, entries, reviews, services
from portal.challenges.models import Entry, Milestone, Programme
from portal.models import Need, PostingStatus, TechField
from tests.accounts.factories import OrganizationFactory, member
from tests.challenges.conftest import ListWorld, programme_data
from tests.matching.factories import ExpertFactory, MatchFactory, listed

pytestmark = pytest.mark.django_db


def _programme_post(kind: str, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    deadline = timezone.localtime() + dt.timedelta(days=20)
    return {
        "kind": kind,
        "title": "2026 年济南市揭榜挂帅榜单",
        "summary": "面向重点产业链的关键技术难题。",
        "region_code": "370100",
        "organizer_name": "济南市科学技术局",
        "period_start": today.isoformat(),
        "period_end": (today + dt.timedelta(days=365)).isoformat(),
        "entry_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "objection_days": "5",
        "prize_pool": "",
        "groups": "初创组，成长组",
        **extra,
    }


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_staff_create_a_challenge_list_through_the_form(staff_client: Client) -> None:
    page = staff_client.get(reverse("challenges:create"))
    assert page.status_code == 200
    assert page.context["form"]["region_code"].value() == "370100"
    response = staff_client.post(reverse("challenges:create"), _programme_post("challenge_list"))
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("challenges:manage", args=[programme.pk]) + "#challenges"
    )
    assert programme.kind == Programme.Kind.CHALLENGE_LIST
    assert programme.status == Programme.Status.DRAFT
    assert programme.stages.get().criteria.count() == 4  # the default criteria


def test_staff_create_a_competition_with_groups_and_stages(staff_client: Client) -> None:
    data = _programme_post(
        "competition",
        title="第十届创新创业大赛",
        prize_pool="200",
        stage_1_name="初赛",
        stage_1_score="60",
        stage_1_criteria="创新性:40\n商业模式：30\n团队:30",
        stage_2_name="决赛",
        stage_2_top_n="3",
        stage_2_criteria="综合:100:10",
    )
    response = staff_client.post(reverse("challenges:create"), data)
    assert response.status_code == 302
    competition = Programme.objects.get()
    assert [g.name for g in competition.groups.all()] == ["初创组", "成长组"]
    first, final = competition.stages.order_by("order")
    assert (first.name, first.cut_score, first.cut_top_n) == ("初赛", 60, None)
    assert [c.name for c in first.criteria.all()] == ["创新性", "商业模式", "团队"]
    assert (final.cut_top_n, final.criteria.get().max_score) == (3, 10)
    page = staff_client.get(reverse("challenges:manage", args=[competition.pk]))
    assert page.status_code == 200
    assert "初创组" in page.content.decode()


def test_criteria_weights_not_adding_up_to_100_are_refused_and_nothing_is_saved(
    staff_client: Client,
) -> None:
    data = _programme_post(
        "competition", stage_1_name="初赛", stage_1_criteria="创新性:40\n团队:50"
    )
    response = staff_client.post(reverse("challenges:create"), data)
    assert response.status_code == 200
    assert "“初赛”的指标权重合计须为 100（现为 90）" in response.content.decode()
    assert not Programme.objects.exists()
    bad_line = _programme_post("competition", stage_1_name="初赛", stage_1_criteria="创新性")
    response = staff_client.post(reverse("challenges:create"), bad_line)
    assert "第 1 行应写作" in response.content.decode()
    assert not Programme.objects.exists()


def test_a_challenge_written_directly_enters_the_need_register_and_the_list_is_published(
    staff: User, staff_client: Client
) -> None:
    programme = services.programme_create(user=staff, kind="challenge_list", data=programme_data())
    manage = reverse("challenges:manage", args=[programme.pk])
    refused = staff_client.post(reverse("challenges:manage-publish", args=[programme.pk]))
    assert "请先添加至少一项榜题" in _messages(staff_client.get(refused["Location"]))
    field = TechField.objects.first()
    response = staff_client.post(
        reverse("challenges:manage-challenge-add", args=[programme.pk]),
        {
            "title": "高盐废水零排放关键技术",
            "problem": "印染园区高盐废水难以处理。",
            "targets": "吨水处理成本低于 30 元",
            "funding": "500",
            "duration_months": "24",
            "keywords": "高盐废水,零排放",
            "fields": [field.pk] if field else [],
        },
    )
    assert response.status_code == 302
    challenge = programme.challenges.get()
    need = Need.objects.get(pk=challenge.need_id)
    assert need.status == PostingStatus.PUBLISHED
    assert need.title == "高盐废水零排放关键技术"
    page = staff_client.get(manage)
    assert "高盐废水零排放关键技术" in page.content.decode()
    staff_client.post(reverse("challenges:manage-publish", args=[programme.pk]))
    assert Programme.objects.get(pk=programme.pk).status == Programme.Status.OPEN
    own = staff_client.get(
        reverse("challenges:manage-challenge", args=[programme.pk, challenge.pk])
    )
    assert own.status_code == 200
    assert own.context["programme"].entries_open


def test_a_challenge_from_a_need_takes_its_title_and_a_missing_target_is_shown(
    staff: User, staff_client: Client, list_world: ListWorld
) -> None:
    need = list_world.challenge.need
    programme = services.programme_create(
        user=staff, kind="challenge_list", data=programme_data(title="第二批榜单")
    )
    manage = reverse("challenges:manage", args=[programme.pk])
    found = staff_client.get(manage, {"need_q": "高盐废水"})
    assert need in found.context["need_results"]
    chosen = staff_client.get(manage, {"need": need.pk})
    assert chosen.context["challenge_form"]["need"].value() == need.pk
    url = reverse("challenges:manage-challenge-add", args=[programme.pk])
    response = staff_client.post(url, {"need": need.pk, "duration_months": "12"})
    assert response.status_code == 200
    assert not programme.challenges.exists()
    staff_client.post(url, {"need": need.pk, "targets": "成本降低 30%", "duration_months": "12"})
    challenge = programme.challenges.get()
    assert (challenge.need_id, challenge.title) == (need.pk, need.title)


def test_the_challenge_page_invites_the_recommended_results_and_experts(
    staff_client: Client, list_world: ListWorld, dora: User, erin: User
) -> None:
    need = list_world.challenge.need
    listed(MatchFactory(need=need, result=list_world.result, score=0.8))
    expert = ExpertFactory(organization=erin.organization, user=erin, name="丁专家")
    listed(MatchFactory(kind=PairKind.NEED_EXPERT, need=need, result=None, expert=expert))
    url = reverse(
        "challenges:manage-challenge", args=[list_world.programme.pk, list_world.challenge.pk]
    )
    body = staff_client.get(url).content.decode()
    assert "催化臭氧氧化" in body
    assert "丁专家" in body
    assert f'name="result_ids" value="{list_world.result.pk}"' in body
    invite = reverse(
        "challenges:manage-challenge-invite",
        args=[list_world.programme.pk, list_world.challenge.pk],
    )
    nothing = staff_client.post(invite, {}, follow=True)
    assert "请先勾选" in _messages(nothing)
    response = staff_client.post(
        invite, {"result_ids": [list_world.result.pk], "expert_ids": [expert.pk]}, follow=True
    )
    assert "已发出 2 份揭榜邀请" in _messages(response)
    told = Notification.objects.filter(event_key__startswith="challenge:")
    assert set(told.values_list("user__username", flat=True)) == {"dora", "erin"}


def _bid(world: ListWorld, dora: User, erin: User) -> Entry:
    entry = entries.entry_submit(
        user=dora,
        programme=world.programme,
        challenge_id=world.challenge.pk,
        data={"title": "高盐废水分质处理方案", "proposal": "分质分盐，催化氧化深度处理。"},
        members=[
            {"organization": dora.organization.pk, "role": "lead", "budget_share": 70},
            {"organization": erin.organization.pk, "role": "member", "budget_share": 30},
        ],
        result_id=world.result.pk,
    )
    entries.member_confirm(user=erin, entry_id=entry.pk)
    return entry


def test_assigning_a_reviewer_with_a_conflict_shows_the_reason(
    staff_client: Client, list_world: ListWorld, dora: User, erin: User
) -> None:
    _bid(list_world, dora, erin)
    reviews.conflict_declare(
        user=list_world.reviewer_expert.user,
        organization_id=erin.organization.pk,
        reason="近三年合作",
    )
    stage = list_world.programme.stages.get()
    url = reverse("challenges:manage-reviewer-assign", args=[list_world.programme.pk, stage.pk])
    response = staff_client.post(
        url,
        {"challenge": list_world.challenge.pk, "expert": list_world.reviewer_expert.pk},
        follow=True,
    )
    text = _messages(response)
    assert "利益冲突" in text
    assert "近三年合作" in text
    assert not stage.reviewers.exists()
    page = staff_client.get(reverse("challenges:manage", args=[list_world.programme.pk]))
    assert "高盐废水分质处理方案" in page.content.decode()


def test_the_winner_before_the_reviews_are_in_needs_an_override_reason(
    staff: User, staff_client: Client, list_world: ListWorld, dora: User, erin: User, judge: User
) -> None:
    entry = _bid(list_world, dora, erin)
    programme, challenge = list_world.programme, list_world.challenge
    stage = programme.stages.get()
    staff_client.post(
        reverse("challenges:manage-reviewer-assign", args=[programme.pk, stage.pk]),
        {"challenge": challenge.pk, "expert": list_world.reviewer_expert.pk},
    )
    assert stage.reviewers.get().user == judge
    url = reverse("challenges:manage-winner", args=[programme.pk, challenge.pk])
    with time_machine.travel(programme.entry_deadline + dt.timedelta(hours=1), tick=False):
        staff_client.force_login(staff)  # sessions last 8 hours
        page = staff_client.get(reverse("challenges:manage", args=[programme.pk]))
        assert page.context["review_stages"][0]["blocks"][0]["missing"] == 1
        refused = staff_client.post(url, {"entry": entry.pk, "reason": "综合评分第一"}, follow=True)
        assert "1 份评审意见未提交" in _messages(refused)
        assert Entry.objects.get(pk=entry.pk).status == Entry.Status.SUBMITTED
        staff_client.post(
            url,
            {"entry": entry.pk, "reason": "综合评分第一", "override_reason": "专家因病无法评审"},
        )
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SELECTED
    assert programme.stages.get().override_reason == "专家因病无法评审"


def test_publicity_objection_finalize_contract_and_milestone(
    staff: User, staff_client: Client, list_world: ListWorld, dora: User, erin: User, judge: User
) -> None:
    entry = _bid(list_world, dora, erin)
    programme, challenge = list_world.programme, list_world.challenge
    stage = programme.stages.get()
    reviews.reviewer_assign(
        user=staff,
        stage=stage,
        expert_id=list_world.reviewer_expert.pk,
        challenge_id=challenge.pk,
    )
    manage = reverse("challenges:manage", args=[programme.pk])
    with time_machine.travel(programme.entry_deadline + dt.timedelta(hours=1), tick=False):
        staff_client.force_login(staff)  # sessions last 8 hours
        scores = {str(c.pk): 90 for c in stage.criteria.all()}
        reviews.review_submit(user=judge, entry_id=entry.pk, scores=scores)
        staff_client.post(
            reverse("challenges:manage-winner", args=[programme.pk, challenge.pk]),
            {"entry": entry.pk, "reason": "综合评分第一"},
        )
        staff_client.post(reverse("challenges:manage-publicity", args=[programme.pk]))
        programme.refresh_from_db()
        assert programme.status == Programme.Status.PUBLICITY
        early = staff_client.post(
            reverse("challenges:manage-finalize", args=[programme.pk]), follow=True
        )
        assert "公示期至" in _messages(early)
        objection = awards.objection_file(
            user=erin, programme=programme, entry_id=entry.pk, grounds="联合体分工与实际不符。"
        )
    with time_machine.travel(programme.publicity_end + dt.timedelta(minutes=1), tick=False):
        staff_client.force_login(staff)
        unhandled = staff_client.post(
            reverse("challenges:manage-finalize", args=[programme.pk]), follow=True
        )
        assert "1 条异议未处理" in _messages(unhandled)
        staff_client.post(
            reverse("challenges:manage-objection", args=[programme.pk, objection.pk]),
            {"handling": "dismissed", "note": "经核实分工属实。"},
        )
        staff_client.post(reverse("challenges:manage-finalize", args=[programme.pk]))
        entry.refresh_from_db()
        assert entry.status == Entry.Status.AWARDED
        page = staff_client.get(manage)
        body = page.content.decode()
        assert reverse("matching:match-detail", args=[entry.match_id]) in body
        assert "洽谈中" in body
        staff_client.post(
            reverse("challenges:manage-sign", args=[programme.pk, entry.pk]),
            {"contract_amount": "480", "contract_date": timezone.localdate().isoformat()},
        )
        entry.refresh_from_db()
        assert entry.match is not None
        assert entry.match.status == MatchStatus.SIGNED
        assert "已签约" in staff_client.get(manage).content.decode()
        milestone = Milestone.objects.filter(entry=entry).order_by("due_date").first()
        assert milestone is not None
        staff_client.post(
            reverse("challenges:manage-milestone", args=[programme.pk, milestone.pk]),
            {"done_at": timezone.localdate().isoformat(), "note": "任务书已签订。"},
        )
        milestone.refresh_from_db()
        assert milestone.done_at == timezone.localdate()
        assert staff_client.get(manage).context["stats"]["milestones_done"] == 1


def test_only_staff_of_the_region_manage(
    staff: User, alice_client: Client, list_world: ListWorld
) -> None:
    programme = list_world.programme
    draft = services.programme_create(
        user=staff, kind="challenge_list", data=programme_data(title="草稿榜单")
    )
    manage = reverse("challenges:manage", args=[programme.pk])
    assert alice_client.get(reverse("challenges:create")).status_code == 403
    assert alice_client.get(manage).status_code == 403
    assert alice_client.get(reverse("challenges:manage", args=[draft.pk])).status_code == 404
    qingdao = OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")
    other = Client()
    other.force_login(member("qd_staff", qingdao, Membership.Role.STAFF))
    assert other.get(manage).status_code == 403
    assert other.get(reverse("challenges:manage", args=[draft.pk])).status_code == 404
    challenge_page = reverse(
        "challenges:manage-challenge", args=[programme.pk, list_world.challenge.pk]
    )
    assert other.get(challenge_page).status_code == 403
    publish = reverse("challenges:manage-publish", args=[draft.pk])
    assert other.post(publish).status_code == 404
    assert Programme.objects.get(pk=draft.pk).status == Programme.Status.DRAFT
    assert Client().get(manage).status_code == 302  # to the login page


def test_a_competition_stage_is_closed_on_the_page_and_a_winner_followed_up(
    staff: User, staff_client: Client, judge: User
) -> None:
    competition = services.programme_create(
        user=staff,
        kind="competition",
        data=programme_data(title="第十届创新创业大赛"),
        groups=["初创组"],
        stages=[{"name": "决赛", "cut_top_n": 1, "criteria": [{"name": "综合", "weight": 100}]}],
    )
    services.programme_publish(user=staff, programme=competition)
    group = competition.groups.get()
    for n in range(2):
        org = OrganizationFactory(name=f"参赛企业{n}", region_code="370100")
        founder = member(f"founder{n}", org, Membership.Role.ENTERPRISE)
        entries.entry_submit(
            user=founder,
            programme=competition,
            group_id=group.pk,
            data={"title": f"项目{n}", "proposal": "商业计划书"},
        )
    stage = competition.stages.get()
    expert = ExpertFactory(organization=judge.organization, user=judge, name="评审专家")
    staff_client.post(
        reverse("challenges:manage-reviewer-assign", args=[competition.pk, stage.pk]),
        {"expert": expert.pk},
    )
    assert stage.reviewers.get().challenge is None
    close = reverse("challenges:manage-stage-close", args=[competition.pk, stage.pk])
    with time_machine.travel(competition.entry_deadline + dt.timedelta(hours=1), tick=False):
        staff_client.force_login(staff)
        first = Entry.objects.get(title="项目0")
        criterion = stage.criteria.get()
        reviews.review_submit(user=judge, entry_id=first.pk, scores={str(criterion.pk): 88})
        refused = staff_client.post(close, {"reason": "按得分排序"}, follow=True)
        assert "1 份评审意见未提交" in _messages(refused)
        staff_client.post(close, {"reason": "按得分排序", "override_reason": "项目1 弃赛"})
        stage.refresh_from_db()
        assert stage.status == "closed"
        first.refresh_from_db()
        assert (first.status, first.rank) == (Entry.Status.SELECTED, 1)
        due = timezone.localdate() + dt.timedelta(days=90)
        staff_client.post(
            reverse("challenges:manage-follow-up", args=[competition.pk, first.pk]),
            {"due": due.isoformat()},
        )
        first.refresh_from_db()
        assert (first.follow_up, first.follow_up_due) == (True, due)
        page = staff_client.get(reverse("challenges:manage", args=[competition.pk]))
        assert page.context["winners"][0]["entry"] == first
        assert "88.00" in page.content.decode()
