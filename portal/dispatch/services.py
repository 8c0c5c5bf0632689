"""Writes of a dispatch round: the round, its enterprises and volunteers, the optimised
assignment (with staff's pins and swaps), publication, visits, ratings, and cooperations
that visits propose (pairs, through :func:`matching.pairs.programmes.pair_reach`).

Every function checks who may act and raises ``ValidationError`` (field messages in
Chinese) or ``PermissionDenied``; each runs in one transaction: nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.notifications import notify
from matching.lists.services import pair_scores
from matching.models import FollowUpChannel, MatchStatus
from matching.pairs import scoping
from matching.pairs.programmes import Activity, pair_reach
from portal.dispatch import assignment as optimiser
from portal.dispatch import selectors
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit, Volunteer
from portal.dispatch.selectors import can_manage, is_assigned_expert
from portal.models import Expert, Need, PostingStatus, Result, TechField
from portal.reference.regions import region_prefix
from portal.services.attachments import attachment_store, upload_check

MAX_VISIT_ATTACHMENTS = 10

ROUND_FIELDS = (
    "title",
    "summary",
    "region_code",
    "period_start",
    "period_end",
    "min_score",
    "visit_due_days",
)


def require_creator(user: Any) -> None:
    """Bureau staff (of any jurisdiction) start rounds."""
    scoping.require_staff(user, _("只有科技局工作人员可以发起派遣。"))


def require_manager(user: Any, round_: Round) -> None:
    if not can_manage(user, round_):
        raise PermissionDenied(_("只有本地区的科技局工作人员可以管理该派遣批次。"))


def _lock(round_: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round_.pk)


@transaction.atomic
def round_create(*, user: User, data: Mapping[str, Any], field_ids: Iterable[int] = ()) -> Round:
    require_creator(user)
    round_ = Round(created_by=user, **{k: data[k] for k in ROUND_FIELDS if k in data})
    if not round_.region_code and user.organization is not None:
        round_.region_code = user.organization.region_code
    if round_.period_start and round_.period_end and round_.period_end < round_.period_start:
        raise ValidationError({"period_end": [_("结束日期不能早于开始日期。")]})
    round_.full_clean()
    if not can_manage(user, round_):
        raise ValidationError({"region_code": [_("地区须在您的辖区内。")]})
    round_.save()
    round_.fields.set(TechField.objects.filter(pk__in=list(field_ids)))
    return round_


@transaction.atomic
def round_open(*, user: User, round_: Round) -> Round:
    round_ = _lock(round_)
    require_manager(user, round_)
    if round_.status != Round.Status.DRAFT:
        raise ValidationError(_("只能开放筹备中的批次。"), code="conflict")
    round_.status = Round.Status.OPEN
    round_.save(update_fields=["status", "updated_at"])
    return round_


def _open_needs(round_: Round, org: Organization) -> list[Need]:
    needs = Need.objects.filter(organization=org, status=PostingStatus.PUBLISHED)
    fields = list(round_.fields.all())
    if fields:
        needs = needs.filter(fields__in=fields).distinct()
    return list(needs)


@transaction.atomic
def enterprises_add(
    *, user: User, round_: Round, organization_ids: Iterable[int] | None = None
) -> int:
    """Add enterprises to serve: the given ones, or every enterprise of the round's region
    with an open need in its fields. Each is matched on its open needs."""
    round_ = _lock(round_)
    require_manager(user, round_)
    if round_.status not in (Round.Status.DRAFT, Round.Status.OPEN):
        raise ValidationError(_("批次已发布，不能再添加企业。"))
    orgs = Organization.objects.filter(
        org_type=Organization.Type.ENTERPRISE,
        region_code__startswith=region_prefix(round_.region_code),
    )
    if organization_ids is not None:
        wanted = {int(pk) for pk in organization_ids}
        orgs = orgs.filter(pk__in=wanted)
        if orgs.count() != len(wanted):
            raise ValidationError({"organizations": [_("只能添加本地区的企业。")]})
    have = set(round_.enterprises.values_list("organization_id", flat=True))
    added = 0
    for org in orgs.exclude(pk__in=have):
        needs = _open_needs(round_, org)
        if organization_ids is None and not needs:
            continue
        row = RoundEnterprise.objects.create(round=round_, organization=org)
        row.needs.set(needs)
        added += 1
    return added


def require_own_enterprise(user: User, row: RoundEnterprise) -> None:
    """Only the enterprise's own people set what it excludes."""
    org = getattr(user, "organization", None)
    if org is None or org.pk != row.organization_id:
        raise PermissionDenied(_("只能设置本企业的回避单位。"))


@transaction.atomic
def exclusions_set(
    *, user: User, enterprise_id: int, organization_ids: Iterable[int]
) -> RoundEnterprise:
    """The enterprise names organisations it does not want experts from (competitors)."""
    row = RoundEnterprise.objects.select_related("round").get(pk=enterprise_id)
    require_own_enterprise(user, row)
    org = user.organization
    assert org is not None
    if row.round.status == Round.Status.PUBLISHED:
        raise ValidationError(_("批次已发布，不能再修改回避单位。"))
    wanted = {int(pk) for pk in organization_ids}
    found = list(Organization.objects.filter(pk__in=wanted).exclude(pk=org.pk))
    if len(found) != len(wanted):
        raise ValidationError({"excluded": [_("回避单位不存在，或不能回避本企业。")]})
    row.excluded.set(found)
    return row


def _in_region(round_: Round, code: str) -> bool:
    return code.startswith(region_prefix(round_.region_code))


@transaction.atomic
def volunteer(
    *,
    user: User,
    round_: Round,
    capacity: Any,
    field_ids: Iterable[int],
    districts: Iterable[str],
) -> Volunteer:
    """An expert volunteers with a capacity and the fields and districts they cover (all
    within the round's)."""
    round_ = _lock(round_)
    expert = Expert.objects.filter(user=user, status=PostingStatus.PUBLISHED).first()
    if expert is None:
        raise PermissionDenied(_("请先发布您的专家信息，再报名担任特派员。"))
    if round_.status != Round.Status.OPEN:
        raise ValidationError(_("该批次不在报名期。"))
    try:
        cap = int(capacity)
    except (TypeError, ValueError):
        cap = 0
    errors: dict[str, list[str]] = {}
    if not 1 <= cap <= 50:
        errors["capacity"] = [_("可服务企业数须在 1 到 50 之间。")]
    fields = list(TechField.objects.filter(pk__in=[int(f) for f in field_ids]))
    allowed = set(round_.fields.values_list("pk", flat=True))
    if not fields:
        errors["fields"] = [_("请至少选择一个服务领域。")]
    elif allowed and not {f.pk for f in fields} <= allowed:
        errors["fields"] = [_("服务领域须在本批次的领域之内。")]
    codes = sorted({str(d).strip() for d in districts if str(d).strip()})
    if not codes:
        errors["districts"] = [_("请至少选择一个服务区县。")]
    elif not all(_in_region(round_, code) for code in codes):
        errors["districts"] = [_("服务区县须在本批次的地区之内。")]
    if errors:
        raise ValidationError(errors)
    row, _created = Volunteer.objects.update_or_create(
        round=round_, expert=expert, defaults={"capacity": cap, "districts": codes}
    )
    row.fields.set(fields)
    return row


def _covers(volunteer: Volunteer, org: Organization, need_fields: set[int]) -> bool:
    fields = {f.pk for f in volunteer.fields.all()}
    districts = volunteer.districts or []
    in_district = any(org.region_code.startswith(region_prefix(str(d))) for d in districts)
    return in_district and bool(fields & need_fields)


def _problem(
    round_: Round, pinned: list[tuple[int, int]]
) -> tuple[optimiser.Problem, dict[tuple[int, int], tuple[float, int | None]]]:
    """The round as an assignment problem: candidates are the (enterprise, volunteer) pairs
    where the volunteer covers a field of one of its open needs and its district, scored by
    the engine's best need × expert score."""
    enterprises = list(
        round_.enterprises.select_related("organization").prefetch_related(
            "needs__fields", "excluded"
        )
    )
    volunteers = list(round_.volunteers.select_related("expert").prefetch_related("fields"))
    need_ids = [n.pk for e in enterprises for n in e.needs.all()]
    scores = pair_scores(
        need_ids=need_ids, offer_kind="expert", offer_ids=[v.expert_id for v in volunteers]
    )
    best: dict[tuple[int, int], tuple[float, int | None]] = {}
    candidates = []
    for ent in enterprises:
        for vol in volunteers:
            need_fields = {f.pk for n in ent.needs.all() for f in n.fields.all()}
            if not _covers(vol, ent.organization, need_fields):
                continue
            top = max(
                ((scores.get((n.pk, vol.expert_id), 0.0), n.pk) for n in ent.needs.all()),
                default=(0.0, None),
            )
            best[(ent.pk, vol.pk)] = top
            candidates.append(optimiser.Candidate(ent.pk, vol.pk, top[0]))
    problem = optimiser.Problem(
        experts=tuple(
            optimiser.Expert(v.pk, v.capacity, v.expert.organization_id) for v in volunteers
        ),
        enterprises=tuple(
            optimiser.Enterprise(e.pk, e.organization_id, frozenset(o.pk for o in e.excluded.all()))
            for e in enterprises
        ),
        candidates=tuple(candidates),
        min_score=round_.min_score,
        pinned=tuple(pinned),
    )
    return problem, best


@transaction.atomic
def round_solve(*, user: User, round_: Round) -> optimiser.Solution:
    """Propose assignments maximising the total score under every capacity, coverage and
    conflict rule; staff's pins stay; unserved enterprises get their reason."""
    round_ = _lock(round_)
    require_manager(user, round_)
    if round_.status not in (Round.Status.DRAFT, Round.Status.OPEN):
        raise ValidationError(_("批次已发布，不能重新求解。"), code="conflict")
    pinned = list(
        round_.assignments.filter(pinned=True).values_list("enterprise_id", "volunteer_id")
    )
    try:
        problem, best = _problem(round_, pinned)
        solution = optimiser.solve(problem)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    round_.assignments.filter(pinned=False).delete()
    for ent_id, vol_id in solution.assigned:
        score, need_id = best.get((ent_id, vol_id), (0.0, None))
        Assignment.objects.get_or_create(
            round=round_,
            enterprise_id=ent_id,
            volunteer_id=vol_id,
            defaults={"score": score, "need_id": need_id},
        )
    round_.enterprises.update(unserved_reason="")
    for ent_id, reason in solution.unserved:
        RoundEnterprise.objects.filter(pk=ent_id).update(unserved_reason=reason)
    round_.solved_at = timezone.now()
    round_.save(update_fields=["solved_at", "updated_at"])
    return solution


@transaction.atomic
def assignment_pin(
    *, user: User, round_: Round, enterprise_id: int, volunteer_id: int
) -> Assignment:
    """Staff assign an expert by hand (a swap is: pin the one wanted, then re-solve); the
    rules are checked when the round is solved or published."""
    round_ = _lock(round_)
    require_manager(user, round_)
    ent = round_.enterprises.filter(pk=enterprise_id).first()
    vol = round_.volunteers.filter(pk=volunteer_id).first()
    if ent is None or vol is None:
        raise ValidationError(_("企业或专家不属于本批次。"))
    row, _created = Assignment.objects.update_or_create(
        round=round_, enterprise=ent, volunteer=vol, defaults={"pinned": True}
    )
    return row


@transaction.atomic
def round_publish(*, user: User, round_: Round) -> Round:
    """Publish the assignments: every rule is checked again on what staff left (a manual
    swap over a capacity is refused); both sides are told."""
    round_ = _lock(round_)
    require_manager(user, round_)
    if round_.status != Round.Status.OPEN:
        raise ValidationError(_("只能发布征集中的批次。"), code="conflict")
    pairs = list(round_.assignments.values_list("enterprise_id", "volunteer_id"))
    if not pairs:
        raise ValidationError(_("尚无派遣安排，请先求解。"))
    try:
        _problem(round_, pairs)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    round_.status = Round.Status.PUBLISHED
    round_.published_at = timezone.now()
    round_.save(update_fields=["status", "published_at", "updated_at"])
    for row in round_.assignments.select_related(
        "volunteer__expert__user", "enterprise__organization"
    ):
        people = [row.volunteer.expert.user] if row.volunteer.expert.user else []
        people += _enterprise_people(row.enterprise.organization_id)
        for person in people:
            notify(
                user=person,
                event_key=f"dispatch:{row.pk}:published",
                subject=_("产业特派员派遣：%(expert)s → %(org)s")
                % {"expert": row.volunteer.expert, "org": row.enterprise.organization},
                body=round_.title,
                url=reverse("dispatch:mine"),
            )
    return round_


def _enterprise_people(org_id: int) -> list[User]:
    return list(User.objects.filter(memberships__organization=org_id, is_active=True))


def _check_uploads(uploads: Iterable[Any], already: int = 0) -> list[Any]:
    """Every upload checked by its bytes before anything is stored (one bad file: nothing
    saved)."""
    files = [u for u in uploads if u]
    if already + len(files) > MAX_VISIT_ATTACHMENTS:
        raise ValidationError(
            {"attachments": [_("每条服务记录最多 %(n)s 个附件。") % {"n": MAX_VISIT_ATTACHMENTS}]}
        )
    for upload in files:
        try:
            upload_check(upload, rename=False)
        except ValidationError as exc:
            raise ValidationError(
                {"attachments": [f"{upload.name}：{m}" for m in exc.messages]}
            ) from exc
    return files


@transaction.atomic
def visit_log(
    *,
    user: User,
    assignment_id: int,
    date: dt.date,
    mode: str,
    problem: str,
    advice: str,
    next_step: str = "",
    attachments: Iterable[Any] = (),
) -> Visit:
    """The assigned expert logs a visit or remote session (not before the assignment was
    published, not in the future), with photos and reports; the enterprise is asked to
    confirm and rate it."""
    row = Assignment.objects.select_related(
        "round", "volunteer__expert", "enterprise__organization"
    ).get(pk=assignment_id)
    if not is_assigned_expert(user, row):
        raise PermissionDenied(_("只有被派遣的专家可以记录服务。"))
    if row.round.status != Round.Status.PUBLISHED:
        raise ValidationError(_("派遣尚未发布。"))
    errors: dict[str, list[str]] = {}
    published_on = timezone.localdate(row.round.published_at) if row.round.published_at else None
    if published_on and date < published_on:
        errors["date"] = [_("服务日期不能早于派遣发布日期。")]
    elif date > timezone.localdate():
        errors["date"] = [_("服务日期不能晚于今天。")]
    if mode not in Visit.Mode.values:
        errors["mode"] = [_("请选择服务方式。")]
    if not problem.strip():
        errors["problem"] = [_("请填写诊断的问题。")]
    if not advice.strip():
        errors["advice"] = [_("请填写提出的建议。")]
    try:
        files = _check_uploads(attachments)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        assignment=row,
        date=date,
        mode=mode,
        problem=problem.strip()[:5000],
        advice=advice.strip()[:5000],
        next_step=next_step.strip()[:500],
        logged_by=user,
    )
    for upload in files:
        attachment_store(owner=visit, by=user, upload=upload)
    for person in _enterprise_people(row.enterprise.organization_id):
        notify(
            user=person,
            event_key=f"dispatch-visit:{visit.pk}:logged",
            subject=_("请确认产业特派员服务：%(expert)s %(date)s")
            % {"expert": row.volunteer.expert, "date": date.isoformat()},
            body=f"{_('诊断的问题')}：{visit.problem}\n{_('提出的建议')}：{visit.advice}",
            url=reverse("dispatch:visit-rate", args=[visit.pk]),
        )
    return visit


@transaction.atomic
def visit_attach(*, user: User, visit_id: int, uploads: Iterable[Any]) -> list[Any]:
    """The expert who logged a visit adds photos or reports to it later."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("assignment__volunteer__expert")
        .get(pk=visit_id)
    )
    if not is_assigned_expert(user, visit.assignment):
        raise PermissionDenied(_("只有被派遣的专家可以上传服务材料。"))
    files = _check_uploads(uploads, already=len(selectors.visit_attachments(visit)))
    if not files:
        raise ValidationError({"attachments": [_("请选择要上传的文件。")]})
    return [attachment_store(owner=visit, by=user, upload=u) for u in files]


@transaction.atomic
def visit_rate(*, user: User, visit_id: int, rating: Any, comment: str = "") -> Visit:
    """The served enterprise confirms and rates a visit (1–5)."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("assignment__enterprise")
        .get(pk=visit_id)
    )
    org = user.organization
    if org is None or org.pk != visit.assignment.enterprise.organization_id:
        raise PermissionDenied(_("只有被服务的企业可以评价。"))
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({"rating": [_("评分须为 1 到 5。")]})
    visit.confirmed_at = visit.confirmed_at or timezone.now()
    visit.rating, visit.rating_comment, visit.rated_by = value, comment.strip()[:1000], user
    visit.save(update_fields=["confirmed_at", "rating", "rating_comment", "rated_by"])
    return visit


@transaction.atomic
def visit_propose(
    *, user: User, visit_id: int, need_id: int, result_id: int | None = None
) -> Visit:
    """A visit proposes a cooperation: the need × the expert (or × one of the expert's
    results) becomes a pair at 已联系 (contacted), linked to the round."""
    visit = Visit.objects.select_related(
        "assignment__round", "assignment__volunteer__expert", "assignment__enterprise"
    ).get(pk=visit_id)
    row = visit.assignment
    if not (is_assigned_expert(user, row) or can_manage(user, row.round)):
        raise PermissionDenied(_("只有被派遣的专家或工作人员可以提出合作。"))
    need = (
        row.enterprise.needs.filter(pk=need_id).first()
        or Need.objects.filter(pk=need_id, organization_id=row.enterprise.organization_id).first()
    )
    if need is None:
        raise ValidationError({"need": [_("请选择该企业的技术需求。")]})
    expert = row.volunteer.expert
    offer: Result | Expert = expert
    if result_id:
        found = Result.objects.filter(pk=result_id, created_by=expert.user_id).first() or (
            Result.objects.filter(pk=result_id, organization_id=expert.organization_id or 0).first()
        )
        if found is None:
            raise ValidationError({"result": [_("请选择该专家的科技成果。")]})
        offer = found
    source = _("产业特派员“%(round)s”走访") % {"round": row.round.title}
    visit.match = pair_reach(
        user=user,
        need=need,
        offer=offer,
        stage=MatchStatus.CONTACTED,
        source=source,
        source_url=reverse("dispatch:detail", args=[row.round_id]),
        note=visit.next_step or visit.advice[:200],
        since=timezone.make_aware(dt.datetime.combine(visit.date, dt.time(9))),
        activity=Activity(
            date=visit.date,
            channel=FollowUpChannel.VISIT
            if visit.mode == Visit.Mode.ONSITE
            else FollowUpChannel.ONLINE,
            summary=f"{source}（{expert}）：{visit.problem}\n{_('建议')}：{visit.advice}",
            next_step=visit.next_step,
        ),
    )
    visit.save(update_fields=["match"])
    return visit


def reminders_send() -> int:
    """Daily: remind each expert with an idle assignment to visit (and log it), and each
    enterprise with a visit unconfirmed for a week to confirm it; once per assignment and
    per visit. Returns the number of notices created."""
    sent = 0
    for row in selectors.idle_assignments().select_related("volunteer__expert__user"):
        person = row.volunteer.expert.user
        if person is not None and notify(
            user=person,
            event_key=f"dispatch:{row.pk}:no-visit",
            subject=_("请尽快走访并记录服务：%(org)s") % {"org": row.enterprise.organization},
            body=_("“%(round)s”发布已满 %(days)s 天，尚无服务记录。")
            % {"round": row.round.title, "days": row.round.visit_due_days},
            url=reverse("dispatch:visit-log", args=[row.pk]),
        ):
            sent += 1
    for visit in selectors.unconfirmed_visits():
        row = visit.assignment
        for person in _enterprise_people(row.enterprise.organization_id):
            if notify(
                user=person,
                event_key=f"dispatch-visit:{visit.pk}:remind",
                subject=_("服务记录待确认：%(expert)s %(date)s")
                % {"expert": row.volunteer.expert, "date": visit.date.isoformat()},
                body=visit.problem,
                url=reverse("dispatch:visit-rate", args=[visit.pk]),
            ):
                sent += 1
    return sent
