"""Demo 产业特派员 rounds: one finished (visits logged, confirmed and rated, a cooperation
proposed) and one running. Through the services, with dates moved into the past where a
finished round needs them. Idempotent by title."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organization, User
from matching.lists import services as lists
from portal.dispatch import services
from portal.dispatch.models import Assignment, Round
from portal.models import Expert, PostingStatus, TechField

logger = logging.getLogger(__name__)

PROFILE_DAYS_AGO = 400
DONE_TITLE = "2026 年济南市产业特派员（上半年）"
RUNNING_TITLE = "2026 年济南市产业特派员（下半年）"


def _profile(user: User, org: Organization, name: str, biography: str) -> Expert:
    """The demo login's own expert profile (an expert volunteers with it)."""
    expert = Expert.objects.filter(user=user).first()
    if expert is None:
        expert = Expert.objects.create(
            user=user,
            organization=org,
            created_by=user,
            name=name,
            institution_name=org.name,
            title=Expert.Title.PROFESSOR,
            biography=biography,
            region_code=org.region_code,
            status=PostingStatus.PUBLISHED,
            # a profile kept for years, before the demo's rounds and programmes
            published_at=timezone.now() - dt.timedelta(days=PROFILE_DAYS_AGO),
            last_confirmed_at=timezone.now(),
        )
        Expert.objects.filter(pk=expert.pk).update(created_at=expert.published_at)
        expert.fields.set(TechField.objects.all())
        lists.document_index(kind="expert", pk=expert.pk)
    return expert


def _round(staff: User, title: str, days_ago: int) -> Round:
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    round_ = services.round_create(
        user=staff,
        data={
            "title": title,
            "region_code": "370100",
            "period_start": start,
            "period_end": start + dt.timedelta(days=180),
            "min_score": 0.3,
            "summary": "组织高校院所专家深入企业，诊断技术难题，推动产学研合作。",
        },
        field_ids=list(TechField.objects.values_list("pk", flat=True)),
    )
    services.round_open(user=staff, round_=round_)
    services.enterprises_add(user=staff, round_=round_)
    return round_


def _publish(staff: User, round_: Round, experts: list[User], days_ago: int) -> None:
    for user in experts:
        services.volunteer(
            user=user,
            round_=round_,
            capacity=3,
            field_ids=list(round_.fields.values_list("pk", flat=True)),
            districts=["370100"],
        )
    # Staff send demo_expert to demo_enterprise's company by hand (a pin the optimiser
    # keeps), so the demo logins see both sides of a visit.
    home = round_.enterprises.filter(
        organization__memberships__user__username="demo_enterprise"
    ).first()
    mine = round_.volunteers.filter(expert__user__username="demo_expert").first()
    if home is not None and mine is not None:
        services.assignment_pin(
            user=staff, round_=round_, enterprise_id=home.pk, volunteer_id=mine.pk
        )
    services.round_solve(user=staff, round_=round_)
    services.round_publish(user=staff, round_=round_)
    Round.objects.filter(pk=round_.pk).update(
        published_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def _visits(round_: Round, days_ago: int, rate: bool) -> None:
    for n, row in enumerate(
        Assignment.objects.filter(round=round_).select_related(
            "volunteer__expert__user", "enterprise__organization"
        )
    ):
        expert_user = row.volunteer.expert.user
        if expert_user is None:
            continue
        visit = services.visit_log(
            user=expert_user,
            assignment_id=row.pk,
            date=timezone.localdate() - dt.timedelta(days=max(1, days_ago - n)),
            mode="onsite" if n % 2 == 0 else "remote",
            problem="生产线关键工序良品率偏低，工艺参数依赖经验。",
            advice="建立工艺参数与缺陷的对应记录，试用正交试验优化关键参数。",
            next_step="两周后复查试验数据。",
        )
        enterprise_user = User.objects.filter(
            memberships__organization=row.enterprise.organization_id
        ).first()
        if rate and enterprise_user is not None:
            services.visit_rate(
                user=enterprise_user,
                visit_id=visit.pk,
                rating=5 - n % 2,
                comment="专家指导具体，问题已明显改善。",
            )
        # the cooperation proposed is for a need the enterprise had published by then
        visited = timezone.now() - dt.timedelta(days=max(1, days_ago - n))
        need = row.need
        if need is None or (need.published_at is not None and need.published_at > visited):
            need = (
                row.enterprise.needs.filter(published_at__lt=visited)
                .order_by("-published_at")
                .first()
            )
        if n == 0 and need is not None:
            services.visit_propose(user=expert_user, visit_id=visit.pk, need_id=need.pk)


def seed_dispatch(orgs: dict[str, Organization]) -> int:
    """Create the two demo rounds that do not exist yet; returns how many."""
    staff = User.objects.filter(username="demo_staff").first()
    expert_user = User.objects.filter(username="demo_expert").first()
    reviewer = User.objects.filter(username="demo_reviewer").first()
    if staff is None or expert_user is None or "uni_sdu" not in orgs:
        return 0
    _profile(
        expert_user,
        orgs["uni_sdu"],
        "张海峰",
        "长期从事高分子材料改性与注塑成型工艺研究，服务企业百余家。",
    )
    volunteers = [
        u
        for u in (expert_user, reviewer)
        if u is not None and Expert.objects.filter(user=u).exists()
    ]
    made = 0
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        try:
            if not Round.objects.filter(title=DONE_TITLE).exists():
                done = _round(staff, DONE_TITLE, 200)
                _publish(staff, done, volunteers, 190)
                _visits(done, 150, rate=True)
                Round.objects.filter(pk=done.pk).update(status=Round.Status.CLOSED)
                made += 1
            if not Round.objects.filter(title=RUNNING_TITLE).exists():
                running = _round(staff, RUNNING_TITLE, 20)
                _publish(staff, running, volunteers, 10)
                _visits(running, 6, rate=False)
                made += 1
        except (ValidationError, PermissionDenied) as exc:
            logger.warning("Demo dispatch rounds incomplete: %s", exc)
    return made
