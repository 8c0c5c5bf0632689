"""A competition with two groups and three stages, end to end: entries cut after each stage
by the stage's rule, a judge with a conflict refused, winners published after the objection
period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Membership
from portal.challenges import awards, entries, reviews, services
from portal.challenges.models import Entry, Programme
from tests.accounts.factories import OrganizationFactory, member
from tests.challenges.conftest import programme_data

pytestmark = pytest.mark.django_db

STAGES = [
    {"name": "初赛", "cut_score": 60, "criteria": [{"name": "创新性", "weight": 100}]},
    {
        "name": "复赛",
        "cut_top_n": 2,
        "criteria": [{"name": "市场前景", "weight": 60}, {"name": "团队", "weight": 40}],
    },
    {"name": "决赛", "cut_top_n": 1, "criteria": [{"name": "综合", "weight": 100}]},
]


def test_a_competition_runs_through_three_stages_per_group(staff) -> None:
    competition = services.programme_create(
        user=staff,
        kind="competition",
        data=programme_data(title="第十届创新创业大赛"),
        groups=["初创组", "成长组"],
        stages=STAGES,
    )
    services.programme_publish(user=staff, programme=competition)
    groups = list(competition.groups.all())
    firms = []
    for n in range(6):
        org = OrganizationFactory(name=f"参赛企业{n}", region_code="370100")
        founder = member(f"founder{n}", org, Membership.Role.ENTERPRISE)
        entry = entries.entry_submit(
            user=founder,
            programme=competition,
            group_id=groups[n % 2].pk,
            data={"title": f"项目{n}", "proposal": "商业计划书"},
        )
        firms.append((entry, org))
    bank = OrganizationFactory(name="某银行", region_code="370100")
    judge = member("judge", bank, Membership.Role.EXPERT)
    conflicted = member("insider", firms[0][1], Membership.Role.EXPERT)
    after = competition.entry_deadline + dt.timedelta(hours=1)
    with time_machine.travel(after, tick=False):
        first, second, final = list(competition.stages.order_by("order"))
        with pytest.raises(ValidationError, match="同属一个单位"):
            reviews.reviewer_assign(user=staff, stage=first, reviewer_id=conflicted.pk)
        # Scores: entry n gets 50 + 8 n in every stage, so 项目0 (50) and 项目1 (58) fall
        # under the 60-point line of 初赛.
        for stage in (first, second, final):
            reviews.reviewer_assign(user=staff, stage=stage, reviewer_id=judge.pk)
            for entry, _org in firms:
                entry.refresh_from_db()
                if entry.stage_id != stage.pk or entry.status != Entry.Status.SUBMITTED:
                    continue
                scores = {
                    str(c.pk): c.max_score * (50 + 8 * entries_index(firms, entry)) / 100
                    for c in stage.criteria.all()
                }
                reviews.review_submit(user=judge, entry_id=entry.pk, scores=scores)
            reviews.stage_close(user=staff, stage=stage, reason="按得分排序")
        awards.publicity_start(user=staff, programme=competition)
    statuses = {e.title: Entry.objects.get(pk=e.pk).status for e, _o in firms}
    # 复赛 keeps the top 2 per group (初创组 2, 4; 成长组 3, 5); 决赛 the top 1 of each.
    assert statuses == {
        "项目0": "eliminated",
        "项目1": "eliminated",
        "项目2": "not_selected",
        "项目3": "not_selected",
        "项目4": "selected",
        "项目5": "selected",
    }
    competition.refresh_from_db()
    with time_machine.travel(competition.publicity_end + dt.timedelta(minutes=1), tick=False):
        awards.programme_finalize(user=staff, programme=competition)
    assert Programme.objects.get(pk=competition.pk).status == Programme.Status.FINAL
    winners = Entry.objects.filter(programme=competition, status=Entry.Status.AWARDED)
    assert sorted(w.title for w in winners) == ["项目4", "项目5"]
    assert {w.rank for w in winners} == {1}


def entries_index(firms, entry) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, (e, _o) in enumerate(firms) if e.pk == entry.pk)


def test_stages_close_in_order(staff) -> None:
    competition = services.programme_create(
        user=staff,
        kind="competition",
        data=programme_data(title="分阶段大赛"),
        groups=["初创组"],
        stages=STAGES[:2],
    )
    services.programme_publish(user=staff, programme=competition)
    first, second = list(competition.stages.order_by("order"))
    assert first.status == "reviewing"
    later = competition.entry_deadline + dt.timedelta(hours=1)
    with (
        time_machine.travel(later, tick=False),
        pytest.raises(ValidationError, match="请先结束“初赛”"),
    ):
        reviews.stage_close(user=staff, stage=second, override_reason="提前结束")
    second.refresh_from_db()
    assert second.status == "pending"
