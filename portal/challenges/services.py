"""Writes of a programme: the challenge list or competition itself, its groups, stages and
criteria, and the challenges (榜题). Entries are in :mod:`portal.challenges.entries`,
review in :mod:`portal.challenges.reviews`, publicity and delivery in
:mod:`portal.challenges.awards`.

Every function checks who may act and raises ``ValidationError`` (field messages in
Chinese) or ``PermissionDenied``; each runs in one transaction: nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from matching.pairs import scoping
from portal.challenges.models import Challenge, Criterion, Group, Programme, Stage
from portal.models import Expert, Need, PostingStatus, Result
from portal.services import postings

PROGRAMME_FIELDS = (
    "title",
    "summary",
    "region_code",
    "organizer_name",
    "period_start",
    "period_end",
    "entry_deadline",
    "objection_days",
    "prize_pool",
)
CHALLENGE_FIELDS = (
    "title",
    "problem",
    "targets",
    "funding",
    "duration_months",
    "eligibility",
    "deadline",
)
# A challenge list's one review stage, when staff name no criteria of their own.
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {"name": "技术方案先进性与可行性", "weight": 40, "max_score": 100},
    {"name": "团队能力与前期基础", "weight": 30, "max_score": 100},
    {"name": "指标完成可能性", "weight": 20, "max_score": 100},
    {"name": "经费预算合理性", "weight": 10, "max_score": 100},
]


def can_manage(user: Any, programme: Programme) -> bool:
    """Bureau staff whose jurisdiction covers the programme's region."""
    return scoping.code_in_jurisdiction(user, programme.region_code)


def require_creator(user: Any) -> None:
    """Bureau staff (of any jurisdiction) create programmes."""
    scoping.require_staff(user, _("只有科技局工作人员可以发布榜单或大赛。"))


def require_manager(user: Any, programme: Programme) -> None:
    if not can_manage(user, programme):
        raise PermissionDenied(_("只有发布地区的科技局工作人员可以管理该榜单或大赛。"))


def lock(programme: Programme) -> Programme:
    return Programme.objects.select_for_update().get(pk=programme.pk)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({field: [_("请输入有效的数字。")]}) from exc


def _check_dates(programme: Programme) -> None:
    errors: dict[str, list[str]] = {}
    if programme.period_start and programme.period_end:
        if programme.period_end < programme.period_start:
            errors["period_end"] = [_("结束日期不能早于开始日期。")]
        deadline = programme.entry_deadline
        if deadline and timezone.localdate(deadline) > programme.period_end:
            errors["entry_deadline"] = [_("揭榜/报名截止时间不能晚于结束日期。")]
    if errors:
        raise ValidationError(errors)


def _criteria(stage: Stage, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = list(rows)
    if not rows:
        raise ValidationError({"criteria": [_("每个评审阶段至少要有一项评审指标。")]})
    total = Decimal(0)
    for row in rows:
        name = str(row.get("name") or "").strip()
        weight = _decimal(row.get("weight"), "criteria")
        max_score = int(_decimal(row.get("max_score") or 100, "criteria"))
        if not name or weight <= 0 or not 1 <= max_score <= 1000:
            raise ValidationError(
                {"criteria": [_("评审指标须有名称、正的权重和 1 到 1000 的满分。")]}
            )
        total += weight
        Criterion.objects.create(stage=stage, name=name[:100], weight=weight, max_score=max_score)
    if total != 100:
        raise ValidationError(
            {
                "criteria": [
                    _("“%(stage)s”的指标权重合计须为 100（现为 %(total)s）。")
                    % {"stage": stage.name, "total": total}
                ]
            }
        )


@transaction.atomic
def programme_create(
    *,
    user: User,
    kind: str,
    data: Mapping[str, Any],
    groups: Iterable[str] = (),
    stages: Iterable[Mapping[str, Any]] = (),
) -> Programme:
    """A draft challenge list (one review stage) or competition (its groups and stages,
    each with its cut and criteria whose weights add up to 100)."""
    require_creator(user)
    if kind not in Programme.Kind.values:
        raise ValidationError({"kind": [_("请选择揭榜挂帅榜单或创新创业大赛。")]})
    programme = Programme(
        kind=kind, created_by=user, **{k: data[k] for k in PROGRAMME_FIELDS if k in data}
    )
    if not programme.region_code and user.organization is not None:
        programme.region_code = user.organization.region_code
    _check_dates(programme)
    programme.full_clean()
    if not can_manage(user, programme):
        raise ValidationError({"region_code": [_("发布地区须在您的辖区内。")]})
    programme.save()
    stage_rows = list(stages)
    if kind == Programme.Kind.CHALLENGE_LIST:
        if len(stage_rows) > 1:
            raise ValidationError({"stages": [_("揭榜挂帅榜单只有一个评审阶段。")]})
        stage_rows = stage_rows or [{"name": "揭榜评审", "criteria": DEFAULT_CRITERIA}]
    else:
        names = [str(g).strip() for g in groups if str(g).strip()]
        if len(set(names)) != len(names):
            raise ValidationError({"groups": [_("组别名称不能重复。")]})
        for name in names or ["不分组"]:
            Group.objects.create(programme=programme, name=name[:50])
        if not stage_rows:
            raise ValidationError({"stages": [_("大赛至少要有一个评审阶段。")]})
    for order, row in enumerate(stage_rows, start=1):
        top_n = row.get("cut_top_n")
        cut_score = row.get("cut_score")
        stage = Stage(
            programme=programme,
            order=order,
            name=str(row.get("name") or _("第%(n)s轮") % {"n": order})[:50],
            cut_top_n=int(_decimal(top_n, "stages")) if top_n not in (None, "") else None,
            cut_score=_decimal(cut_score, "stages") if cut_score not in (None, "") else None,
        )
        if stage.cut_top_n is not None and stage.cut_top_n < 1:
            raise ValidationError({"stages": [_("晋级名额须为正整数。")]})
        stage.full_clean(exclude=["programme"])
        stage.save()
        _criteria(stage, row.get("criteria") or DEFAULT_CRITERIA)
    return programme


@transaction.atomic
def programme_publish(*, user: User, programme: Programme) -> Programme:
    programme = lock(programme)
    require_manager(user, programme)
    if programme.status != Programme.Status.DRAFT:
        raise ValidationError(_("只能发布筹备中的榜单或大赛。"), code="conflict")
    if programme.kind == Programme.Kind.CHALLENGE_LIST and not programme.challenges.exists():
        raise ValidationError(_("请先添加至少一项榜题。"))
    if programme.entry_deadline < timezone.now():
        raise ValidationError({"entry_deadline": [_("揭榜/报名截止时间已过，请先修改。")]})
    programme.status = Programme.Status.OPEN
    programme.published_at = timezone.now()
    programme.save(update_fields=["status", "published_at", "updated_at"])
    # The first round is the one entries are reviewed in.
    programme.stages.filter(order=1).update(status=Stage.Status.REVIEWING)
    return programme


def _need_for_challenge(
    user: User, programme: Programme, data: Mapping[str, Any], field_ids: list[int]
) -> Need:
    """A challenge written directly enters the need register (published by the bureau), so
    the engine recommends results and experts for it exactly as for any need, and the award
    becomes an ordinary pair."""
    need = postings.posting_create(
        kind="need",
        by=user,
        organization=user.organization,
        data={
            "title": str(data.get("title") or "")[:200],
            "description": "{}\n\n{}{}".format(
                data.get("problem") or "", _("技术指标："), data.get("targets") or ""
            ),
            "region_code": programme.region_code,
            "budget_max": data.get("funding"),
            "keywords": str(data.get("keywords") or "")[:300],
            "fields": field_ids,
        },
        submit=True,
    )
    postings.posting_approve(posting=need, by=user)
    need.refresh_from_db()
    return need  # type: ignore[return-value]


@transaction.atomic
def challenge_add(
    *,
    user: User,
    programme: Programme,
    data: Mapping[str, Any],
    need_id: int | None = None,
    field_ids: Iterable[int] = (),
) -> Challenge:
    """A challenge from a published need (the link is kept) or written here (then it enters
    the need register under the bureau, in the given technology fields)."""
    programme = lock(programme)
    require_manager(user, programme)
    if programme.kind != Programme.Kind.CHALLENGE_LIST:
        raise ValidationError(_("只有揭榜挂帅榜单可以添加榜题。"))
    if programme.status not in (Programme.Status.DRAFT, Programme.Status.OPEN):
        raise ValidationError(_("榜单已进入评审，不能再添加榜题。"))
    values = {k: data[k] for k in CHALLENGE_FIELDS if k in data}
    if need_id:
        need = Need.objects.filter(pk=need_id, status=PostingStatus.PUBLISHED).first()
        if need is None:
            raise ValidationError({"need": [_("需求不存在或尚未发布。")]})
        values.setdefault("title", need.title)
        values.setdefault("problem", need.description)
        if need.budget_max is not None:
            values.setdefault("funding", need.budget_max)
    challenge = Challenge(programme=programme, **values)
    challenge.full_clean(exclude=["programme", "need"])
    if challenge.deadline and challenge.deadline > programme.entry_deadline:
        raise ValidationError({"deadline": [_("榜题截止时间不能晚于榜单的揭榜截止时间。")]})
    challenge.need = (
        need if need_id else _need_for_challenge(user, programme, values, list(field_ids))
    )
    challenge.save()
    return challenge


@transaction.atomic
def challenge_invite(
    *,
    user: User,
    challenge: Challenge,
    result_ids: Iterable[int] = (),
    expert_ids: Iterable[int] = (),
) -> int:
    """Invite the teams behind recommended results and experts to bid (they are told)."""
    programme = challenge.programme
    require_manager(user, programme)
    if not programme.entries_open:
        raise ValidationError(_("榜单不在揭榜期内。"))
    told = 0
    offers: list[Result | Expert] = [
        *Result.objects.filter(pk__in=list(result_ids), status=PostingStatus.PUBLISHED),
        *Expert.objects.filter(pk__in=list(expert_ids), status=PostingStatus.PUBLISHED),
    ]
    for offer in offers:
        people = [offer.created_by] if offer.created_by else []
        if isinstance(offer, Expert) and offer.user is not None:
            people = [offer.user]
        for person in people:
            notice = notify(
                user=person,
                event_key=f"challenge:{challenge.pk}:invite:{person.pk}",
                subject=_("邀请揭榜：%(title)s") % {"title": challenge.title},
                body=_("根据“%(offer)s”，科技局邀请贵团队揭榜。支持经费 %(funding)s 万元。")
                % {"offer": offer, "funding": challenge.funding},
                url=challenge.get_absolute_url(),
            )
            told += notice is not None
    return told
