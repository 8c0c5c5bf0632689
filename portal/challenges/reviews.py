"""Review: reviewers without a conflict of interest score each entry per criterion, blind to
the other reviewers until they have submitted; weighted totals rank the entries; outlier
scores are flagged; a stage's cut (top N per group or a score line) moves entries on, and
on a challenge list staff select the winner (or none) with a recorded reason."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from portal.challenges.models import (
    Challenge,
    Conflict,
    Entry,
    Programme,
    Review,
    Reviewer,
    Stage,
)
from portal.challenges.services import lock, require_manager
from portal.models import Expert

E = Entry.Status
# A review whose total lies this many points (of 100) from the median of the entry's other
# reviews is flagged as an outlier for staff to look at.
OUTLIER_POINTS = Decimal(20)


def _units(entry: Entry) -> set[int]:
    return {entry.lead_id, *entry.members.values_list("organization_id", flat=True)}


def conflict_reasons(user: User, entries: list[Entry]) -> list[str]:
    """Why ``user`` may not review these entries: same organisation as a unit, or a
    declared conflict. Empty when there is none."""
    reasons: list[str] = []
    org = user.organization
    declared = dict(Conflict.objects.filter(user=user).values_list("organization_id", "reason"))
    names: dict[int, str] = {}
    for entry in entries:
        units = _units(entry)
        if org is not None and org.pk in units:
            reasons.append(
                _("评审人与“%(entry)s”的参与单位“%(org)s”同属一个单位。")
                % {"entry": entry, "org": org}
            )
        for org_id in units & set(declared):
            names.setdefault(org_id, Organization.objects.get(pk=org_id).name)
            reasons.append(
                _("评审人已声明与“%(org)s”存在利益冲突（%(reason)s）。")
                % {"org": names[org_id], "reason": declared[org_id] or _("未说明")}
            )
    return reasons


def _stage_entries(stage: Stage, challenge: Challenge | None) -> list[Entry]:
    qs = Entry.objects.filter(programme=stage.programme, stage=stage).exclude(
        status__in=(E.DRAFT, E.WITHDRAWN)
    )
    if challenge is not None:
        qs = qs.filter(challenge=challenge)
    return list(qs)


@transaction.atomic
def reviewer_assign(
    *,
    user: User,
    stage: Stage,
    reviewer_id: int | None = None,
    expert_id: int | None = None,
    challenge_id: int | None = None,
) -> Reviewer:
    """Assign staff (a user) or an expert from the register (their linked account) to a
    challenge's review, or to a whole competition stage. A conflict refuses it, saying why."""
    programme = stage.programme
    require_manager(user, programme)
    expert = None
    if expert_id:
        expert = Expert.objects.filter(pk=expert_id).select_related("user").first()
        if expert is None or expert.user is None:
            raise ValidationError({"expert": [_("该专家没有关联账号，不能在线评审。")]})
        person: User = expert.user
    else:
        found = User.objects.filter(pk=reviewer_id or 0).first()
        if found is None:
            raise ValidationError({"reviewer": [_("评审人不存在。")]})
        person = found
    challenge = None
    if programme.kind == Programme.Kind.CHALLENGE_LIST:
        challenge = programme.challenges.filter(pk=challenge_id or 0).first()
        if challenge is None:
            raise ValidationError({"challenge": [_("请选择榜题。")]})
    reasons = conflict_reasons(person, _stage_entries(stage, challenge))
    if reasons:
        raise ValidationError({"reviewer": reasons})
    if Reviewer.objects.filter(stage=stage, challenge=challenge, user=person).exists():
        raise ValidationError(_("该评审人已分配。"), code="conflict")
    return Reviewer.objects.create(
        stage=stage, challenge=challenge, user=person, expert=expert, assigned_by=user
    )


@transaction.atomic
def conflict_declare(*, user: User, organization_id: int, reason: str = "") -> Conflict:
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        raise ValidationError({"organization": [_("单位不存在。")]})
    conflict, _created = Conflict.objects.get_or_create(
        user=user, organization=org, defaults={"reason": reason.strip()[:300]}
    )
    return conflict


def _assignment(user: User, entry: Entry) -> Reviewer | None:
    return (
        Reviewer.objects.filter(user=user, stage=entry.stage)
        .filter(Q(challenge=None) | Q(challenge=entry.challenge_id))
        .first()
    )


def _total(stage: Stage, scores: Mapping[str, Any]) -> tuple[dict[str, str], Decimal]:
    """Validate one score per criterion within its range; the weighted total out of 100."""
    clean: dict[str, str] = {}
    total = Decimal(0)
    errors: list[str] = []
    for criterion in stage.criteria.all():
        raw = scores.get(str(criterion.pk), scores.get(criterion.pk))  # type: ignore[call-overload]
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError, TypeError):
            errors.append(_("请为“%(c)s”打分。") % {"c": criterion.name})
            continue
        if not 0 <= value <= criterion.max_score:
            errors.append(
                _("“%(c)s”的分数须在 0 到 %(max)s 之间。")
                % {"c": criterion.name, "max": criterion.max_score}
            )
            continue
        clean[str(criterion.pk)] = str(value)
        total += value / criterion.max_score * criterion.weight
    if errors:
        raise ValidationError({"scores": errors})
    return clean, total.quantize(Decimal("0.01"))


def _flag_outliers(entry: Entry) -> None:
    reviews = list(entry.reviews.filter(submitted_at__isnull=False).exclude(total=None))
    for review in reviews:
        others = [r.total for r in reviews if r.pk != review.pk and r.total is not None]
        flag = len(others) >= 2 and abs(review.total - statistics.median(others)) > OUTLIER_POINTS  # type: ignore[operator]
        if flag != review.outlier:
            review.outlier = flag
            review.save(update_fields=["outlier"])


@transaction.atomic
def review_submit(
    *, user: User, entry_id: int, scores: Mapping[str, Any], comment: str = ""
) -> Review:
    """An assigned reviewer without a conflict scores an entry of the current stage."""
    entry = Entry.objects.select_for_update(of=("self",)).select_related("stage").get(pk=entry_id)
    assignment = _assignment(user, entry)
    if assignment is None or entry.stage is None:
        raise PermissionDenied(_("您不是该项目本阶段的评审人。"))
    if entry.stage.status == Stage.Status.CLOSED or not entry.counts:
        raise ValidationError(_("该项目当前不在评审中。"))
    reasons = conflict_reasons(user, [entry])
    if reasons:
        raise PermissionDenied(reasons[0])
    clean, total = _total(entry.stage, scores)
    review, _created = Review.objects.update_or_create(
        reviewer=assignment,
        entry=entry,
        defaults={
            "scores": clean,
            "total": total,
            "comment": comment.strip()[:5000],
            "submitted_at": timezone.now(),
        },
    )
    _flag_outliers(entry)
    review.refresh_from_db()
    return review


def reviews_visible_to(*, user: User, entry: Entry) -> list[Review]:
    """Staff managing the programme see every review; a reviewer sees the others' only
    after submitting their own; nobody else sees any."""
    from portal.challenges.services import can_manage

    qs = entry.reviews.filter(submitted_at__isnull=False).select_related("reviewer__user")
    if can_manage(user, entry.programme):
        return list(qs)
    qs = qs.filter(reviewer__stage=entry.stage)  # each round is blind on its own
    mine = qs.filter(reviewer__user=user)
    if not mine.exists():
        return []
    return list(qs)


def entry_score(entry: Entry) -> Decimal | None:
    totals = [
        r.total
        for r in entry.reviews.filter(submitted_at__isnull=False, reviewer__stage=entry.stage)
        if r.total is not None
    ]
    if not totals:
        return None
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))


def _missing_reviews(stage: Stage, entries: list[Entry]) -> int:
    missing = 0
    for entry in entries:
        assigned = Reviewer.objects.filter(stage=stage).filter(
            Q(challenge=None) | Q(challenge=entry.challenge_id)
        )
        done = entry.reviews.filter(reviewer__in=assigned, submitted_at__isnull=False).count()
        missing += assigned.count() - done
    return missing


def _require_complete(stage: Stage, entries: list[Entry], override_reason: str) -> None:
    if not entries:
        return
    missing = _missing_reviews(stage, entries)
    if missing and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": [
                    _("还有 %(n)s 份评审意见未提交；如确需先行评定，请填写理由。") % {"n": missing}
                ]
            }
        )
    if not Reviewer.objects.filter(stage=stage).exists() and not override_reason.strip():
        raise ValidationError({"override_reason": [_("尚未分配评审专家。")]})


@transaction.atomic
def winner_select(
    *,
    user: User,
    challenge: Challenge,
    entry_id: int | None,
    reason: str,
    override_reason: str = "",
) -> Challenge:
    """Staff select the winning bid of a challenge, or none, with a reason."""
    programme = lock(challenge.programme)
    require_manager(user, programme)
    if programme.status not in (Programme.Status.OPEN, Programme.Status.REVIEWING):
        raise ValidationError(_("榜单当前不能评定。"), code="conflict")
    if timezone.now() <= programme.entry_deadline:
        raise ValidationError(_("揭榜截止前不能评定。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请填写评定理由。")]})
    stage = programme.stages.get()
    entries = [e for e in _stage_entries(stage, challenge) if e.counts]
    _require_complete(stage, entries, override_reason)
    winner = next((e for e in entries if e.pk == entry_id), None) if entry_id else None
    if entry_id and winner is None:
        raise ValidationError({"entry": [_("所选方案不是该榜题的有效揭榜方案。")]})
    for entry in entries:
        entry.status = E.SELECTED if entry is winner else E.NOT_SELECTED
        entry.decision_reason = reason.strip()[:1000]
        entry.save(update_fields=["status", "decision_reason", "updated_at"])
    if override_reason.strip():
        stage.override_reason = override_reason.strip()[:500]
        stage.save(update_fields=["override_reason"])
    programme.status = Programme.Status.REVIEWING
    programme.save(update_fields=["status", "updated_at"])
    return challenge


def _ranked(entries: list[Entry]) -> list[tuple[Entry, Decimal]]:
    scored = [(e, entry_score(e)) for e in entries]
    return sorted(
        ((e, s if s is not None else Decimal(-1)) for e, s in scored),
        key=lambda pair: (-pair[1], pair[0].pk),
    )


@transaction.atomic
def stage_close(
    *, user: User, stage: Stage, override_reason: str = "", reason: str = ""
) -> list[Entry]:
    """Close a competition stage: rank each group's entries by their average weighted
    score and keep the stage's cut (top N per group, and/or at least the score line). The
    kept entries move to the next stage, or, after the last stage, are the winners (ranked
    within their group); the rest are out. Returns the kept entries."""
    programme = lock(stage.programme)
    require_manager(user, programme)
    if programme.kind != Programme.Kind.COMPETITION:
        raise ValidationError(_("揭榜挂帅榜单请逐题评定。"))
    if stage.status == Stage.Status.CLOSED:
        raise ValidationError(_("该阶段已结束。"), code="conflict")
    earlier = programme.stages.filter(order__lt=stage.order).exclude(status=Stage.Status.CLOSED)
    if earlier.exists():
        raise ValidationError(
            _("请先结束“%(stage)s”。") % {"stage": earlier.order_by("order").first().name},  # type: ignore[union-attr]
            code="conflict",
        )
    if timezone.now() <= programme.entry_deadline:
        raise ValidationError(_("报名截止前不能结束评审阶段。"))
    entries = [e for e in _stage_entries(stage, None) if e.counts]
    _require_complete(stage, entries, override_reason)
    following = programme.stages.filter(order__gt=stage.order).order_by("order").first()
    kept: list[Entry] = []
    for group in programme.groups.all():
        ranked = _ranked([e for e in entries if e.group_id == group.pk])
        for position, (entry, score) in enumerate(ranked, start=1):
            keep = (stage.cut_top_n is None or position <= stage.cut_top_n) and (
                stage.cut_score is None or score >= stage.cut_score
            )
            if following is not None:
                entry.stage = following if keep else entry.stage
                entry.status = E.SUBMITTED if keep else E.ELIMINATED
                entry.rank = None if keep else position
            else:
                entry.status = E.SELECTED if keep else E.NOT_SELECTED
                entry.rank = position
            entry.decision_reason = reason.strip()[:1000]
            entry.save(update_fields=["stage", "status", "rank", "decision_reason", "updated_at"])
            if keep:
                kept.append(entry)
    stage.status = Stage.Status.CLOSED
    stage.closed_at = timezone.now()
    stage.override_reason = override_reason.strip()[:500]
    stage.save(update_fields=["status", "closed_at", "override_reason"])
    if following is not None:
        following.status = Stage.Status.REVIEWING
        following.save(update_fields=["status"])
    programme.status = Programme.Status.REVIEWING
    programme.save(update_fields=["status", "updated_at"])
    return kept
