"""The public, bidder and reviewer pages of 揭榜挂帅 and competitions, driven as a browser
would: GET the page, POST its form, read what comes back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from portal.challenges import awards, entries, reviews, services
from portal.challenges.models import Entry, Milestone, Objection, Programme, Review
from portal.models import Attachment
from portal.services.attachments import attachment_bytes_for_tests
from tests.accounts.factories import OrganizationFactory, member
from tests.challenges.conftest import ListWorld, programme_data

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bid_form(world: ListWorld, erin: User | None, shares: tuple[int, int] = (70, 30)) -> dict:
    data = {
        "title": "高盐废水分质处理方案",
        "proposal": "分质分盐，催化氧化深度处理。",
        "budget": "480",
        "offer": f"result:{world.result.pk}",
        "m0_duty": "总体方案与中试",
        "m0_people": "张教授等 6 人",
        "m0_share": str(shares[0]),
    }
    if erin is not None:
        data |= {
            "m1_organization": str(erin.organization.pk),
            "m1_duty": "膜分离单元",
            "m1_people": "李研究员等 3 人",
            "m1_share": str(shares[1]),
        }
    return data


def bid_url(world: ListWorld) -> str:
    return reverse("challenges:bid", args=[world.programme.pk, world.challenge.pk])


def entry_url(entry: Entry, name: str = "entry") -> str:
    return reverse(f"challenges:{name}", args=[entry.pk])


def confirmed_bid(world: ListWorld, dora: User, erin: User) -> Entry:
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
    return entries.member_confirm(user=erin, entry_id=entry.pk)


def assign(world: ListWorld, staff: User, reviewer: User) -> None:
    reviews.reviewer_assign(
        user=staff,
        stage=world.programme.stages.get(),
        reviewer_id=reviewer.pk,
        challenge_id=world.challenge.pk,
    )


def score_data(world: ListWorld, value: int, comment: str = "") -> dict[str, str]:
    criteria = world.programme.stages.get().criteria.all()
    return {**{f"c{c.pk}": str(value) for c in criteria}, "comment": comment}


# ------------------------------------------------------------------------- list, programme


def test_the_list_shows_open_programmes_and_hides_drafts_from_the_public(
    list_world, staff, client
) -> None:
    services.programme_create(
        user=staff, kind="challenge_list", data=programme_data(title="筹备中的内部榜单")
    )
    page = client.get(reverse("challenges:list")).content.decode()
    assert list_world.programme.title in page
    assert "支持经费合计 500 万元" in page
    assert "筹备中的内部榜单" not in page
    staff_page = login(staff).get(reverse("challenges:list")).content.decode()
    assert "筹备中的内部榜单" in staff_page


def test_the_programme_page_shows_challenges_and_how_they_are_judged(
    list_world, staff, client
) -> None:
    page = client.get(list_world.programme.get_absolute_url()).content.decode()
    assert "高盐废水零排放关键技术" in page
    assert "技术方案先进性与可行性" in page
    assert "40%" in page
    assert "24 个月" in page
    draft = services.programme_create(
        user=staff, kind="challenge_list", data=programme_data(title="草稿")
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert login(staff).get(draft.get_absolute_url()).status_code == 200


def test_the_challenge_page_offers_the_bid_form_to_a_bidder_only(list_world, dora, client) -> None:
    url = list_world.challenge.get_absolute_url()
    anonymous = client.get(url).content.decode()
    assert "印染园区高盐废水难以处理" in anonymous
    assert 'id="login-to-bid"' in anonymous
    assert 'id="entry-form"' not in anonymous
    page = login(dora).get(url).content.decode()
    assert 'id="entry-form"' in page
    assert "催化臭氧氧化" in page  # the unit's published result to rest the bid on


# ------------------------------------------------------------------------------- bidding


def test_a_consortium_bid_through_the_form_waits_for_the_partner_then_counts(
    list_world, dora, erin
) -> None:
    response = login(dora).post(bid_url(list_world), bid_form(list_world, erin), follow=True)
    assert response.status_code == 200
    entry = Entry.objects.get()
    assert entry.lead == dora.organization
    assert entry.status == Entry.Status.CONFIRMING
    assert "待联合体成员确认" in response.content.decode()
    erin_client = login(erin)
    mine = erin_client.get(reverse("challenges:mine")).content.decode()
    assert "待确认的联合体" in mine
    assert entry.title in mine
    page = erin_client.get(entry_url(entry)).content.decode()
    assert 'id="confirm-form"' in page
    response = erin_client.post(entry_url(entry, "entry-confirm"), follow=True)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.SUBMITTED
    assert "已提交" in response.content.decode()
    assert 'id="confirm-form"' not in response.content.decode()


def test_a_bad_consortium_shows_the_chinese_error_and_saves_nothing(list_world, dora, erin) -> None:
    response = login(dora).post(bid_url(list_world), bid_form(list_world, erin, shares=(50, 20)))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="consortium-errors"' in page
    assert "各成员经费占比合计须为 100%（现为 70%）" in page
    assert not Entry.objects.exists()


def test_other_units_never_see_a_bid(list_world, dora, erin, charlie) -> None:
    entry = confirmed_bid(list_world, dora, erin)
    outsider = login(charlie)
    for name in ("entry", "entry-edit", "review"):
        assert outsider.get(entry_url(entry, name)).status_code == 404
    assert outsider.post(entry_url(entry, "entry-withdraw")).status_code == 404
    assert entry.title not in outsider.get(list_world.programme.get_absolute_url()).content.decode()


def test_the_lead_edits_and_withdraws_its_bid(list_world, dora, erin) -> None:
    entry = confirmed_bid(list_world, dora, erin)
    lead = login(dora)
    form = lead.get(entry_url(entry, "entry-edit")).content.decode()
    assert "高盐废水分质处理方案" in form
    assert "膜分离" not in form
    data = bid_form(list_world, erin) | {"title": "修订后的方案", "m1_duty": "", "m1_people": ""}
    lead.post(entry_url(entry, "entry-edit"), data)
    entry.refresh_from_db()
    assert entry.title == "修订后的方案"
    assert entry.status == Entry.Status.CONFIRMING  # erin's duty changed: she confirms again
    assert login(erin).get(entry_url(entry, "entry-edit")).status_code == 403
    lead.post(entry_url(entry, "entry-withdraw"))
    entry.refresh_from_db()
    assert entry.status == Entry.Status.WITHDRAWN


def test_the_lead_attaches_documents_its_units_and_reviewers_read(
    list_world, dora, erin, charlie, staff, judge
) -> None:
    entry = confirmed_bid(list_world, dora, erin)
    lead = login(dora)
    url = reverse("challenges:attachment-add", args=[entry.pk])
    fake = SimpleUploadedFile("预算.pdf", b"not a pdf")
    assert "不支持的文件类型" in lead.post(url, {"attachment": fake}).content.decode()
    pdf = SimpleUploadedFile("预算.pdf", attachment_bytes_for_tests("pdf"))
    lead.post(url, {"attachment": pdf})
    page = login(erin).get(entry_url(entry)).content.decode()
    assert "预算.pdf" in page
    assert 'class="attachment-form"' not in page  # only the lead uploads
    attachment = Attachment.objects.get()
    download = reverse("challenges:attachment-download", args=[entry.pk, attachment.pk])
    assert login(erin).get(download).status_code == 200
    assert login(charlie).get(download).status_code == 404
    assign(list_world, staff, judge)
    assert login(judge).get(download).status_code == 200


def test_a_competition_is_entered_on_its_page_with_a_group(staff) -> None:
    competition = services.programme_create(
        user=staff,
        kind="competition",
        data=programme_data(title="第十届创新创业大赛"),
        groups=["初创组", "成长组"],
        stages=[{"name": "初赛", "criteria": [{"name": "创新性", "weight": 100}]}],
    )
    services.programme_publish(user=staff, programme=competition)
    founder = member("founder", OrganizationFactory(name="创业公司"), Membership.Role.ENTERPRISE)
    client = login(founder)
    assert "初创组" in client.get(competition.get_absolute_url()).content.decode()
    url = reverse("challenges:enter", args=[competition.pk])
    data = {"title": "智能巡检机器人", "proposal": "商业计划书", "m0_share": "100"}
    refused = client.post(url, data).content.decode()
    assert "请选择参赛组别" in refused
    assert not Entry.objects.exists()
    group = competition.groups.get(name="成长组")
    client.post(url, data | {"group": str(group.pk)})
    entry = Entry.objects.get()
    assert entry.group == group
    assert entry.status == Entry.Status.SUBMITTED


# ------------------------------------------------------------------------------ reviewing


def test_an_assigned_reviewer_scores_through_the_form(list_world, dora, erin, staff, judge) -> None:
    entry = confirmed_bid(list_world, dora, erin)
    assign(list_world, staff, judge)
    client = login(judge)
    tasks = client.get(reverse("challenges:reviews")).content.decode()
    assert entry.title in tasks
    assert "待评" in tasks
    page = client.get(entry_url(entry, "review")).content.decode()
    assert 'id="review-form"' in page
    assert "分质分盐" in page
    refused = client.post(entry_url(entry, "review"), score_data(list_world, 120)).content.decode()
    assert "的分数须在 0 到 100 之间" in refused
    assert not Review.objects.exists()
    client.post(entry_url(entry, "review"), score_data(list_world, 80, "方案可行"))
    review = Review.objects.get()
    assert review.total == Decimal("80.00")
    assert review.comment == "方案可行"
    assert "已评" in client.get(reverse("challenges:reviews")).content.decode()


def test_a_reviewer_sees_the_others_scores_only_after_submitting(
    list_world, dora, erin, staff, judge
) -> None:
    entry = confirmed_bid(list_world, dora, erin)
    second = member("judge2", OrganizationFactory(name="己大学"), Membership.Role.EXPERT)
    assign(list_world, staff, judge)
    assign(list_world, staff, second)
    login(judge).post(entry_url(entry, "review"), score_data(list_world, 90, "第一位专家的意见"))
    client = login(second)
    before = client.get(entry_url(entry, "review")).content.decode()
    assert "第一位专家的意见" not in before
    assert 'id="reviews-hidden"' in before
    after = client.post(entry_url(entry, "review"), score_data(list_world, 60), follow=True)
    assert "第一位专家的意见" in after.content.decode()


def test_a_reviewer_declares_a_conflict_and_no_longer_scores(
    list_world, dora, erin, staff, judge
) -> None:
    entry = confirmed_bid(list_world, dora, erin)
    assign(list_world, staff, judge)
    client = login(judge)
    client.post(
        reverse("challenges:conflict-declare"),
        {"organization": str(erin.organization.pk), "reason": "近三年合作", "entry": entry.pk},
    )
    page = client.get(entry_url(entry, "review")).content.decode()
    assert "近三年合作" in page
    assert 'id="review-form"' not in page


# ----------------------------------------------------------------- publicity and delivery


def selected(world: ListWorld, entry: Entry, staff: User, judge: User) -> None:
    """Reviewed and selected (the clock: after the deadline)."""
    criteria = world.programme.stages.get().criteria.all()
    reviews.review_submit(user=judge, entry_id=entry.pk, scores={str(c.pk): 90 for c in criteria})
    reviews.winner_select(
        user=staff, challenge=world.challenge, entry_id=entry.pk, reason="综合评分第一"
    )


def test_an_objection_is_filed_during_publicity_and_refused_after(
    list_world, dora, erin, staff, judge, charlie
) -> None:
    after_deadline = list_world.programme.entry_deadline + dt.timedelta(hours=1)
    url = reverse("challenges:objection", args=[list_world.programme.pk])
    entry = confirmed_bid(list_world, dora, erin)
    assign(list_world, staff, judge)
    with time_machine.travel(after_deadline, tick=False):
        selected(list_world, entry, staff, judge)
        # Selected, not yet published: its units still read 评审中.
        early = login(dora).get(entry_url(entry)).content.decode()
        assert "拟入选" not in early
        assert "评审中" in early
        awards.publicity_start(user=staff, programme=list_world.programme)
        client = login(charlie)
        page = client.get(list_world.programme.get_absolute_url()).content.decode()
        assert entry.title in page
        assert "丙大学" in page
        assert "丁研究院" in page
        assert 'id="objection-form"' in page
        grounds = {"objection-entry": str(entry.pk), "objection-grounds": "联合体分工与实际不符。"}
        short = client.post(url, {"objection-grounds": "不服"}).content.decode()
        assert "至少 10 个字" in short
        assert not Objection.objects.exists()
        client.post(url, grounds)
        assert Objection.objects.get().entry == entry
    programme = Programme.objects.get(pk=list_world.programme.pk)
    with time_machine.travel(programme.publicity_end + dt.timedelta(minutes=1), tick=False):
        client = login(charlie)
        page = client.post(url, grounds).content.decode()
        assert "不在公示期内" in page
        assert Objection.objects.count() == 1


def test_the_lead_reports_a_milestone_with_a_document(list_world, dora, erin, staff, judge) -> None:
    after_deadline = list_world.programme.entry_deadline + dt.timedelta(hours=1)
    entry = confirmed_bid(list_world, dora, erin)
    assign(list_world, staff, judge)
    with time_machine.travel(after_deadline, tick=False):
        selected(list_world, entry, staff, judge)
        awards.publicity_start(user=staff, programme=list_world.programme)
    programme = Programme.objects.get(pk=list_world.programme.pk)
    with time_machine.travel(programme.publicity_end + dt.timedelta(days=1), tick=False):
        awards.programme_finalize(user=staff, programme=programme)
        milestone = Milestone.objects.get(entry=entry, kind="task_book")
        url = reverse("challenges:milestone-complete", args=[entry.pk, milestone.pk])
        lead = login(dora)
        assert 'class="mt-2 milestone-form"' in lead.get(entry_url(entry)).content.decode()
        pdf = SimpleUploadedFile("任务书.pdf", attachment_bytes_for_tests("pdf"))
        today = timezone.localdate().isoformat()
        lead.post(url, {"done_at": today, "note": "任务书已签订。", "document": pdf})
        milestone.refresh_from_db()
        assert milestone.done_at is not None
        assert milestone.document
        document = reverse("challenges:milestone-document", args=[entry.pk, milestone.pk])
        assert lead.get(document).status_code == 200
        assert login(erin).get(document).status_code == 200
        fake = SimpleUploadedFile("中期.pdf", b"not a pdf")
        midterm = Milestone.objects.get(entry=entry, kind="midterm")
        url = reverse("challenges:milestone-complete", args=[entry.pk, midterm.pk])
        page = lead.post(url, {"done_at": today, "note": "中期检查。", "document": fake})
        assert "不支持的文件类型" in page.content.decode()
        midterm.refresh_from_db()
        assert midterm.done_at is None
