"""Demo 揭榜挂帅 and 创新创业大赛: a closed challenge list (awarded, milestones under way,
one overdue), an open list taking bids, and a finished competition with its three stages.

Built through the services, with dates moved into the past where a finished programme
needs them (its deadline, its publicity period). Idempotent by title."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.test import override_settings
from django.utils import timezone

from accounts.models import Membership, Organization, User
from portal.challenges import awards, reviews, services
from portal.challenges.models import Entry, Member, Milestone, Programme, Stage
from portal.models import Expert, Need, PostingStatus, Result, TechField

logger = logging.getLogger(__name__)

PROFILE_DAYS_AGO = 400
CLOSED_TITLE = "2026 年济南市新材料领域揭榜挂帅榜单（第一批）"
OPEN_TITLE = "2027 年济南市绿色化工与节能环保揭榜挂帅榜单"
CONTEST_TITLE = "第十届济南市创新创业大赛"
REVIEWER = ("demo_reviewer", "赵立新", "inst_bj_ai")


def _reviewer(orgs: dict[str, Organization]) -> User:
    """An expert with an account and no tie to the bidders: the demo's reviewer."""
    username, display_name, org_key = REVIEWER
    user = User.objects.filter(username=username).first()
    if user is None:
        from django.conf import settings

        user = User(username=username, display_name=display_name, email=f"{username}@example.cn")
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        Membership.objects.create(user=user, organization=orgs[org_key], role="expert")
    if not Expert.objects.filter(user=user).exists():
        expert = Expert.objects.create(
            user=user,
            organization=orgs[org_key],
            created_by=user,
            name=display_name,
            institution_name=orgs[org_key].name,
            title=Expert.Title.RESEARCHER,
            biography="长期从事工业过程优化与新材料评价，多次担任科技项目评审专家。",
            region_code=orgs[org_key].region_code,
            status=PostingStatus.PUBLISHED,
            # a profile kept for years, before the demo's rounds and programmes
            published_at=timezone.now() - dt.timedelta(days=PROFILE_DAYS_AGO),
            last_confirmed_at=timezone.now(),
        )
        Expert.objects.filter(pk=expert.pk).update(created_at=expert.published_at)
        expert.fields.set(TechField.objects.all()[:2])
    return user


def _data(title: str, deadline_days: int, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": title,
        "summary": "聚焦产业链关键技术难题，面向全国揭榜，择优支持。",
        "region_code": "370100",
        "organizer_name": "济南市科学技术局",
        "period_start": today,
        "period_end": today + dt.timedelta(days=400),
        "entry_deadline": timezone.now() + dt.timedelta(days=deadline_days),
        **extra,
    }


def _challenge(staff: User, programme: Programme, need: Need | None, **values: Any) -> Any:
    fields = list(TechField.objects.values_list("pk", flat=True)[:1])
    return services.challenge_add(
        user=staff,
        programme=programme,
        data=values,
        need_id=need.pk if need else None,
        field_ids=fields,
    )


def _into_past(programme: Programme, days: int) -> None:
    """Move a programme's period and deadline ``days`` back (a finished demo programme)."""
    shift = dt.timedelta(days=days)
    Programme.objects.filter(pk=programme.pk).update(
        period_start=programme.period_start - shift,
        entry_deadline=timezone.now() - dt.timedelta(days=days // 2),
    )
    programme.refresh_from_db()


def _finish_publicity(staff: User, programme: Programme) -> None:
    awards.publicity_start(user=staff, programme=programme)
    Programme.objects.filter(pk=programme.pk).update(
        publicity_start=timezone.now() - dt.timedelta(days=20),
        publicity_end=timezone.now() - dt.timedelta(days=12),
    )
    programme.refresh_from_db()
    awards.programme_finalize(user=staff, programme=programme)


def _score_all(judge: User, stage: Stage, entry: Entry, level: int) -> None:
    scores = {str(c.pk): c.max_score * level / 100 for c in stage.criteria.all()}
    reviews.review_submit(user=judge, entry_id=entry.pk, scores=scores, comment="方案可行。")


def _need_titled(org: Organization, title: str) -> Need | None:
    """The organisation's published demo need of that title (else its first published)."""
    published = Need.objects.filter(organization=org, status=PostingStatus.PUBLISHED)
    return published.filter(title=title).first() or published.order_by("pk").first()


def _closed_list(staff: User, judge: User, orgs: dict[str, Organization]) -> None:
    programme = services.programme_create(
        user=staff, kind="challenge_list", data=_data(CLOSED_TITLE, 10)
    )
    # the challenge's targets (检测准确率, 检测时间) are those of this need
    need = _need_titled(orgs["ent_xinxin_ai"], "机加工零件表面缺陷视觉检测")
    first = _challenge(
        staff,
        programme,
        need,
        funding=300,
        duration_months=18,
        targets="检测准确率不低于 99.5%，单件检测时间小于 2 秒。",
    )
    second = _challenge(
        staff,
        programme,
        None,
        title="高性能改性聚丙烯汽车部件轻量化技术",
        problem="汽车保险杠等部件需在保证强度的前提下减重 20% 以上。",
        targets="密度下降 15%，冲击强度不低于现有材料。",
        funding=500,
        duration_months=24,
    )
    services.programme_publish(user=staff, programme=programme)
    researcher = User.objects.get(username="demo_researcher")
    partner_result = Result.objects.filter(
        organization=orgs["inst_qibebt"], status=PostingStatus.PUBLISHED, title__contains="聚丙烯"
    ).first()
    sdu_result = (
        Result.objects.filter(organization=orgs["uni_sdu"], status=PostingStatus.PUBLISHED)
        .order_by("-pk")
        .first()
    )
    bids = []
    for challenge, lead_result in ((first, sdu_result), (second, partner_result)):
        if lead_result is None:
            continue
        lead_org = lead_result.organization
        if lead_org is None:
            continue
        bid = Entry.objects.create(
            programme=programme,
            challenge=challenge,
            title=f"{lead_result.title}揭榜方案",
            proposal="依托已有成果，联合企业开展中试与示范应用。",
            lead=lead_org,
            submitted_by=researcher,
            result=lead_result,
            budget=challenge.funding,
            status=Entry.Status.SUBMITTED,
            stage=programme.stages.get(),
            submitted_at=timezone.now(),
        )
        Member.objects.create(
            entry=bid,
            organization=lead_org,
            role="lead",
            budget_share=70,
            confirmed_at=timezone.now(),
        )
        Member.objects.create(
            entry=bid,
            organization=orgs["ent_qilu_chem"],
            role="member",
            budget_share=30,
            confirmed_at=timezone.now(),
        )
        bids.append((challenge, bid))
    _into_past(programme, 120)
    stage = programme.stages.get()
    for challenge, bid in bids:
        reviews.reviewer_assign(
            user=staff, stage=stage, reviewer_id=judge.pk, challenge_id=challenge.pk
        )
        _score_all(judge, stage, bid, 86)
        reviews.winner_select(
            user=staff,
            challenge=challenge,
            entry_id=bid.pk,
            reason="评审专家综合评分最高，技术路线可行。",
        )
    _finish_publicity(staff, programme)
    today = timezone.localdate()
    for index, (_challenge_row, bid) in enumerate(bids):
        milestones = {m.kind: m for m in bid.milestones.all()}
        task_book = milestones.get(Milestone.Kind.TASK_BOOK)
        if task_book is None:
            continue
        if index == 0:  # under way: 任务书 signed, mid-term ahead
            Milestone.objects.filter(pk=task_book.pk).update(
                due_date=today - dt.timedelta(days=60),
                done_at=today - dt.timedelta(days=62),
                note="任务书已签订，经费首期拨付。",
            )
            awards.award_sign(user=staff, entry_id=bid.pk, contract_amount=Decimal(300))
        else:  # 任务书 overdue: on the staff to-do list
            Milestone.objects.filter(pk=task_book.pk).update(due_date=today - dt.timedelta(days=5))


def _open_list(staff: User, orgs: dict[str, Organization]) -> None:
    programme = services.programme_create(
        user=staff, kind="challenge_list", data=_data(OPEN_TITLE, 30)
    )
    # the challenge's targets (出水 COD, 吨水成本) are those of this need
    need = _need_titled(orgs["ent_haiyang_env"], "印染废水深度处理达标排放")
    _challenge(
        staff,
        programme,
        need,
        funding=400,
        duration_months=24,
        targets="出水 COD 低于 50 mg/L，吨水处理成本低于 30 元。",
    )
    _challenge(
        staff,
        programme,
        None,
        title="化工园区 VOCs 在线监测与溯源技术",
        problem="园区无组织排放难以定位来源，需要低成本在线监测与溯源。",
        targets="溯源定位误差小于 50 米，单点监测成本下降 40%。",
        funding=350,
        duration_months=18,
    )
    services.programme_publish(user=staff, programme=programme)


def _competition(staff: User, judge: User, orgs: dict[str, Organization]) -> None:
    stages = [
        {
            "name": "初赛",
            "cut_score": 60,
            "criteria": [{"name": "创新性", "weight": 50}, {"name": "可行性", "weight": 50}],
        },
        {
            "name": "复赛",
            "cut_top_n": 2,
            "criteria": [{"name": "市场前景", "weight": 60}, {"name": "团队", "weight": 40}],
        },
        {"name": "决赛", "cut_top_n": 1, "criteria": [{"name": "综合评价", "weight": 100}]},
    ]
    contest = services.programme_create(
        user=staff,
        kind="competition",
        data=_data(CONTEST_TITLE, 10, prize_pool=Decimal(100)),
        groups=["初创组", "成长组"],
        stages=stages,
    )
    services.programme_publish(user=staff, programme=contest)
    groups = list(contest.groups.all())
    contestants = [
        "ent_qilu_chem",
        "ent_xinxin_ai",
        "ent_haiyang_env",
        "ent_mengneng",
        "ent_longjiang_agri",
        "ent_zhiyuan_med",
    ]
    first_stage = contest.stages.get(order=1)
    made = []
    for n, key in enumerate(contestants):
        org = orgs[key]
        entry = Entry.objects.create(
            programme=contest,
            group=groups[n % 2],
            title=f"{org.name[:6]}创新项目",
            proposal="项目计划书（演示）",
            lead=org,
            submitted_by=staff,
            status=Entry.Status.SUBMITTED,
            stage=first_stage,
            submitted_at=timezone.now(),
        )
        Member.objects.create(
            entry=entry,
            organization=org,
            role="lead",
            budget_share=100,
            confirmed_at=timezone.now(),
        )
        made.append(entry)
    _into_past(contest, 90)
    for stage in contest.stages.order_by("order"):
        reviews.reviewer_assign(user=staff, stage=stage, reviewer_id=judge.pk)
        for n, entry in enumerate(made):
            entry.refresh_from_db()
            if entry.stage_id == stage.pk and entry.status == Entry.Status.SUBMITTED:
                _score_all(judge, stage, entry, 52 + 7 * n)
        reviews.stage_close(user=staff, stage=stage, reason="按评审得分排序晋级。")
    _finish_publicity(staff, contest)
    for entry in contest.entries.filter(status=Entry.Status.AWARDED):
        Entry.objects.filter(pk=entry.pk).update(prize=Decimal(30))
        awards.follow_up_flag(
            user=staff, entry_id=entry.pk, due=timezone.localdate() + dt.timedelta(days=30)
        )


def seed_challenges(orgs: dict[str, Organization]) -> int:
    """Create the three demo programmes that do not exist yet; returns how many."""
    staff = User.objects.filter(username="demo_staff").first()
    if staff is None or any(key not in orgs for key in ("inst_bj_ai", "uni_sdu", "inst_qibebt")):
        return 0
    judge = _reviewer(orgs)
    made = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for title, build in (
            (CLOSED_TITLE, lambda: _closed_list(staff, judge, orgs)),
            (OPEN_TITLE, lambda: _open_list(staff, orgs)),
            (CONTEST_TITLE, lambda: _competition(staff, judge, orgs)),
        ):
            if not Programme.objects.filter(title=title).exists():
                build()
                made += 1
    return made
