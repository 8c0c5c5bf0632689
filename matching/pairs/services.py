"""The staff workflow of a pair (issue 5): review, brokered contact, pipeline, follow-ups.

One transition table, :data:`TRANSITIONS`, says which stage may follow which and who may make
the move; :func:`_transition` is the only code that changes ``Match.status``, and it records
every move in :class:`MatchTransition`. Services raise ``ValidationError`` (bad input, out of
order: 400) or ``PermissionDenied`` (wrong role: 403) with a Chinese reason and leave the
state unchanged.

Roles: ``staff`` — bureau staff whose jurisdiction covers the pair (matching.scoping);
``party`` — a member of either side (the need's enterprise, the result's team, the expert).
Parties never call :func:`match_advance`; their moves (declined, and contacted once both
accepted) happen through :func:`match_respond`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify_from_template
from matching.models import (
    ContractType,
    Match,
    MatchCase,
    MatchDecision,
    MatchResponse,
    MatchSide,
    MatchStatus,
    MatchTransition,
    PairKind,
    RejectReason,
)
from matching.pairs import scoping
from matching.pairs.parties import PARTY, STAFF, offer_of, side_users, user_side
from portal.models import Expert, Need, PostingStatus, Result

logger = logging.getLogger(__name__)

S = MatchStatus

# (from, to) → roles that may make the move. Anything not listed is out of order.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.SUGGESTED, S.APPROVED): frozenset({STAFF}),
    (S.SUGGESTED, S.REJECTED): frozenset({STAFF}),
    (S.APPROVED, S.CONTACTED): frozenset({STAFF, PARTY}),
    (S.APPROVED, S.DECLINED): frozenset({STAFF, PARTY}),
    (S.APPROVED, S.CLOSED): frozenset({STAFF}),
    (S.CONTACTED, S.NEGOTIATING): frozenset({STAFF}),
    (S.CONTACTED, S.INTENTION): frozenset({STAFF}),
    (S.CONTACTED, S.DECLINED): frozenset({STAFF}),
    (S.CONTACTED, S.CLOSED): frozenset({STAFF}),
    (S.NEGOTIATING, S.INTENTION): frozenset({STAFF}),
    (S.NEGOTIATING, S.SIGNED): frozenset({STAFF}),
    (S.NEGOTIATING, S.DECLINED): frozenset({STAFF}),
    (S.NEGOTIATING, S.CLOSED): frozenset({STAFF}),
    (S.INTENTION, S.SIGNED): frozenset({STAFF}),
    (S.INTENTION, S.CLOSED): frozenset({STAFF}),
    (S.SIGNED, S.LANDED): frozenset({STAFF}),
    (S.SIGNED, S.CLOSED): frozenset({STAFF}),
}

# Stages a pair is being worked in (follow-ups, reminders); the rest are finished.
OPEN_STAGES: tuple[str, ...] = (S.APPROVED, S.CONTACTED, S.NEGOTIATING, S.INTENTION, S.SIGNED)
FINAL_STAGES: tuple[str, ...] = (S.LANDED, S.REJECTED, S.DECLINED, S.CLOSED)
# The forward path, in order (funnel, "reached at least").
PIPELINE: tuple[str, ...] = (
    S.SUGGESTED,
    S.APPROVED,
    S.CONTACTED,
    S.NEGOTIATING,
    S.INTENTION,
    S.SIGNED,
    S.LANDED,
)
# Moves that need a reason in the note.
REASON_REQUIRED: tuple[str, ...] = (S.REJECTED, S.DECLINED, S.CLOSED)


def allowed_targets(status: str, role: str) -> list[str]:
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and role in roles]


def _lock(match_id: int) -> Match:
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("need", "result", "expert")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise ValidationError(_("该匹配不存在。"))
    return match


def _require_staff(match: Match, user: User | None) -> None:
    if not scoping.match_in_jurisdiction(user, match):
        raise PermissionDenied(_("只有辖区内的科技局工作人员可以执行此操作。"))


def _case(match: Match, *, responsible: User | None = None) -> MatchCase:
    case, created = MatchCase.objects.get_or_create(
        match=match, defaults={"responsible": responsible}
    )
    if not created and case.responsible_id is None and responsible is not None:
        case.responsible = responsible
        case.save(update_fields=["responsible", "updated_at"])
    return case


def _already_decided(match: Match) -> ValidationError:
    """The refusal for deciding a pair twice (the API answers 409)."""
    return ValidationError(
        _("该配对已处理（%(stage)s），不能重复审核。") % {"stage": S(match.status).label},
        code="conflict",
    )


def _match_url(match: Match) -> str:
    return reverse("matching:match-detail", args=[match.pk])


def _notify_parties(match: Match, *, event: str, template: str, **context: Any) -> int:
    sent = 0
    for side in (MatchSide.NEED, MatchSide.OFFER):
        for user in side_users(match, side):
            notice = notify_from_template(
                user=user,
                event_key=f"match:{match.pk}:{event}",
                template=template,
                context={"match": match, "side": side, "offer": offer_of(match), **context},
                url=_match_url(match),
            )
            sent += notice is not None
    return sent


def _notify_staff(match: Match, *, event: str, template: str, **context: Any) -> None:
    case = MatchCase.objects.filter(match=match).select_related("responsible").first()
    staff = case.responsible if case else None
    if staff is None and match.decided_by_id:
        staff = match.decided_by
    if staff is None:
        return
    notify_from_template(
        user=staff,
        event_key=f"match:{match.pk}:{event}",
        template=template,
        context={"match": match, "offer": offer_of(match), **context},
        url=_match_url(match),
    )


# ------------------------------------------------------------------------- transitions


def _transition(
    *,
    match: Match,
    user: User | None,
    role: str,
    to_status: str,
    note: str = "",
    source: str = "",
    source_url: str = "",
) -> MatchTransition:
    """Move a locked match along the table and record the move (the only writer of status)."""
    frm = match.status
    if to_status not in S.values:
        raise ValidationError({"stage": _("未知的阶段：%(stage)s") % {"stage": to_status}})
    roles = TRANSITIONS.get((frm, to_status))
    if roles is None:
        raise ValidationError(
            {
                "stage": _("不能从“%(frm)s”变更为“%(to)s”。")
                % {"frm": S(frm).label, "to": S(to_status).label}
            }
        )
    if role not in roles:
        raise PermissionDenied(
            _("您无权将对接从“%(frm)s”变更为“%(to)s”。")
            % {"frm": S(frm).label, "to": S(to_status).label}
        )
    if to_status in REASON_REQUIRED and not note.strip():
        raise ValidationError({"note": _("请填写原因。")})
    now = timezone.now()
    match.status = to_status
    update = ["status", "updated_at"]
    if frm == S.SUGGESTED:
        match.decided_by = user
        match.decided_at = now
        update += ["decided_by", "decided_at"]
    match.save(update_fields=update)
    record = MatchTransition(
        match=match,
        from_status=frm,
        to_status=to_status,
        by=user,
        at=now,
        note=note[:1000],
        source=source[:200],
        source_url=source_url[:300],
    )
    record.full_clean()
    record.save()
    MatchCase.objects.filter(match=match).update(last_activity_at=now, updated_at=now)
    return record


def _decision(
    *, match: Match, user: User, approved: bool, reason_code: str = "", reason_text: str = ""
) -> MatchDecision:
    is_manual = bool((match.explanation or {}).get("manual"))
    best_rank = match.recommendations.aggregate(best=Min("rank"))["best"]
    decision = MatchDecision(
        match=match,
        approved=approved,
        reason_code=reason_code,
        reason_text=reason_text[:500],
        kind=match.kind,
        score=match.score,
        rank=best_rank or 0,
        is_manual=is_manual,
        decided_by=user,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def match_approve(*, match_id: int, user: User, note: str = "") -> Match:
    """Approve a suggested pair and tell both sides (inbox + e-mail).

    The pair's row is locked first, so of two staff approving at once one wins and the
    other is refused (``ValidationError`` with code "conflict"); nothing changes then.
    """
    match = _lock(match_id)
    _require_staff(match, user)
    if match.status != S.SUGGESTED:
        raise _already_decided(match)
    _transition(match=match, user=user, role=STAFF, to_status=S.APPROVED, note=note)
    _decision(match=match, user=user, approved=True, reason_text=note)
    _case(match, responsible=user)
    _notify_parties(match, event="approved", template="match-approved")
    return match


@transaction.atomic
def match_reject(*, match_id: int, user: User, reason_code: str, reason_text: str = "") -> Match:
    """Reject a suggested pair with a reason from the list (and free text for 其他)."""
    match = _lock(match_id)
    _require_staff(match, user)
    if reason_code not in RejectReason.values:
        raise ValidationError({"reason_code": _("请选择否决原因。")})
    if reason_code == RejectReason.OTHER and not reason_text.strip():
        raise ValidationError({"reason_text": _("选择“其他”时请填写说明。")})
    if match.status != S.SUGGESTED:
        raise _already_decided(match)
    label = str(RejectReason(reason_code).label)
    note = f"{label}：{reason_text}" if reason_text.strip() else label
    _transition(match=match, user=user, role=STAFF, to_status=S.REJECTED, note=note)
    _decision(
        match=match, user=user, approved=False, reason_code=reason_code, reason_text=reason_text
    )
    return match


@dataclass(frozen=True)
class BulkOutcome:
    changed: int
    unchanged: int
    refused: int


def match_bulk_decide(
    *,
    match_ids: list[int],
    user: User,
    approve: bool,
    reason_code: str = "",
    reason_text: str = "",
) -> BulkOutcome:
    """Approve or reject many pairs; each in its own transaction, out-of-region ones refused."""
    if not approve and reason_code not in RejectReason.values:
        raise ValidationError({"reason_code": _("请选择否决原因。")})
    # One reason for all: refuse it once here, not once per pair.
    if not approve and reason_code == RejectReason.OTHER and not reason_text.strip():
        raise ValidationError({"reason_text": _("选择“其他”时请填写说明。")})
    changed = unchanged = refused = 0
    for match_id in dict.fromkeys(match_ids):
        try:
            if approve:
                match_approve(match_id=match_id, user=user)
            else:
                match_reject(
                    match_id=match_id,
                    user=user,
                    reason_code=reason_code,
                    reason_text=reason_text,
                )
        except ValidationError as exc:
            if exc.code == "conflict":
                unchanged += 1
            else:
                refused += 1
            continue
        except PermissionDenied:
            refused += 1
            continue
        changed += 1
    return BulkOutcome(changed=changed, unchanged=unchanged, refused=refused)


def require_broker(user: User | None) -> None:
    """Only staff with a jurisdiction add pairs by hand (each pair is then checked against
    it): 403 before the input is read."""
    scoping.require_staff(user, _("只有辖区内的科技局工作人员可以添加对接。"))


@transaction.atomic
def match_create_manual(
    *,
    user: User,
    need_id: int,
    result_id: int | None = None,
    expert_id: int | None = None,
    note: str = "",
) -> Match:
    """A pair staff know of: created and approved at once (both sides are told)."""
    if bool(result_id) == bool(expert_id):
        raise ValidationError({"result": _("请选择一项科技成果或一位专家（二选一）。")})
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        raise ValidationError({"need": _("技术需求不存在。")})
    offer: Result | Expert | None
    lookup: dict[str, Result | Expert]
    if result_id:
        offer = Result.objects.filter(pk=result_id).first()
        if offer is None:
            raise ValidationError({"result": _("科技成果不存在。")})
        kind, lookup = PairKind.NEED_RESULT, {"result": offer}
    else:
        offer = Expert.objects.filter(pk=expert_id or 0).first()
        if offer is None:
            raise ValidationError({"expert": _("专家不存在。")})
        kind, lookup = PairKind.NEED_EXPERT, {"expert": offer}
    if scoping.jurisdiction_of(user) is None or not (
        scoping.code_in_jurisdiction(user, need.region_code)
        or scoping.code_in_jurisdiction(user, offer.region_code)
    ):
        raise PermissionDenied(_("只有辖区内的科技局工作人员可以添加对接。"))
    for posting in (need, offer):
        if posting.status != PostingStatus.PUBLISHED:
            raise ValidationError(_("“%(title)s”尚未发布，不能对接。") % {"title": posting})
    # One record per pair: the engine may have suggested it already (from either side).
    match = Match.objects.select_for_update().filter(need=need, **lookup).first()
    if match is not None and match.status != S.SUGGESTED:
        raise ValidationError(
            _("该配对已在对接流程中（编号 %(id)s）。") % {"id": match.pk}, code="conflict"
        )
    if match is None:
        match = Match(
            kind=kind,
            need=need,
            score=0.0,
            explanation={"manual": True, "note": note[:500]},
            **lookup,
        )
        match.full_clean()
        try:
            with transaction.atomic():
                match.save()
        except IntegrityError as exc:
            raise ValidationError(_("该配对已存在。"), code="conflict") from exc
    else:
        match.explanation = {**(match.explanation or {}), "manual": True}
        match.save(update_fields=["explanation", "updated_at"])
    match = match_approve(match_id=match.pk, user=user, note=note or _("人工添加"))
    MatchCase.objects.filter(match=match).update(is_manual=True)
    return match


@transaction.atomic
def match_respond(
    *,
    match_id: int,
    user: User,
    accept: bool,
    reason: str = "",
    side: str | None = None,
) -> MatchResponse:
    """One side accepts or declines an approved pair.

    Parties answer for their own side; staff of the region may record an answer on a side's
    behalf (``side``), e.g. for an expert without an account who agreed by phone. When both
    sides have accepted, contact details are exchanged and the pair moves to "contacted";
    a decline (with a reason) ends the pair as "declined". Answering the same way twice is
    a no-op; changing an answer is refused.
    """
    match = _lock(match_id)
    own_side = user_side(match, user)
    is_staff = scoping.match_in_jurisdiction(user, match)
    if side is not None and side not in MatchSide.values:
        raise ValidationError({"side": _("答复方无效。")})
    if side is None or (own_side is not None and side == own_side):
        if own_side is None:
            if is_staff:
                raise ValidationError({"side": _("请指明代哪一方答复。")})
            raise PermissionDenied(_("只有对接双方可以答复。"))
        side = own_side
        role = PARTY
    else:
        if not is_staff:
            raise PermissionDenied(_("只能代表本方答复。"))
        role = STAFF
    if match.status != S.APPROVED:
        raise ValidationError(
            _("当前阶段（%(stage)s）不能答复。") % {"stage": S(match.status).label}
        )
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("谢绝对接时请填写原因。")})
    previous = MatchResponse.objects.filter(match=match, side=side).first()
    if previous is not None:
        if previous.accepted == accept:
            return previous
        raise ValidationError(_("该方已经答复，不能更改。"))
    response = MatchResponse(
        match=match, side=side, accepted=accept, reason=reason[:500], responded_by=user
    )
    response.full_clean()
    response.save()
    case = _case(match)
    side_label = MatchSide(side).label
    if not accept:
        note = _("%(side)s谢绝：%(reason)s") % {"side": side_label, "reason": reason}
        _transition(match=match, user=user, role=role, to_status=S.DECLINED, note=note)
        _notify_staff(match, event=f"response:{side}", template="match-declined", reason=reason)
        return response
    _notify_staff(match, event=f"response:{side}", template="match-accepted", side=side_label)
    accepted_sides = set(
        MatchResponse.objects.filter(match=match, accepted=True).values_list("side", flat=True)
    )
    if accepted_sides == {MatchSide.NEED, MatchSide.OFFER}:
        case.contacts_shared_at = timezone.now()
        case.save(update_fields=["contacts_shared_at", "updated_at"])
        _transition(
            match=match,
            user=user,
            role=role,
            to_status=S.CONTACTED,
            note=_("双方均同意对接，已交换联系方式。"),
        )
        _notify_parties(match, event="contacts", template="match-contacts")
    return response


def _decimal(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("请输入有效的数字。")}) from exc


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError({field: _("请输入有效的日期（YYYY-MM-DD）。")}) from exc


def _stage_fields(match: Match, case: MatchCase, stage: str, data: dict[str, Any]) -> list[str]:
    """Validate and set the fields the target stage asks for; returns the changed names."""
    errors: dict[str, list[str]] = {}
    created_on = timezone.localdate(match.created_at)
    today = timezone.localdate()
    if stage == S.SIGNED:
        amount = _decimal(data.get("contract_amount"), "contract_amount")
        signed_on = _date(data.get("contract_date"), "contract_date")
        contract_type = str(data.get("contract_type") or "")
        if amount is None:
            errors["contract_amount"] = [_("请填写合同金额（万元）。")]
        elif amount < 0:
            errors["contract_amount"] = [_("合同金额不能为负数。")]
        if signed_on is None:
            errors["contract_date"] = [_("请填写签约日期。")]
        elif signed_on < created_on:
            errors["contract_date"] = [_("签约日期不能早于对接建立日期。")]
        elif signed_on > today:
            errors["contract_date"] = [_("签约日期不能晚于今天。")]
        if contract_type not in ContractType.values:
            errors["contract_type"] = [_("请选择合同类型。")]
        if errors:
            raise ValidationError(errors)
        case.contract_amount = amount
        case.contract_date = signed_on
        case.contract_type = contract_type
        case.contract_reg_no = str(data.get("contract_reg_no") or "").strip()[:50]
        return ["contract_amount", "contract_date", "contract_type", "contract_reg_no"]
    if stage == S.LANDED:
        summary = str(data.get("landed_summary") or "").strip()
        landed_on = _date(data.get("landed_date"), "landed_date")
        if not summary:
            errors["landed_summary"] = [_("请填写落地成效（建成或生产了什么）。")]
        if landed_on is None:
            errors["landed_date"] = [_("请填写落地日期。")]
        elif case.contract_date and landed_on < case.contract_date:
            errors["landed_date"] = [_("落地日期不能早于签约日期。")]
        elif landed_on > today:
            errors["landed_date"] = [_("落地日期不能晚于今天。")]
        if errors:
            raise ValidationError(errors)
        case.landed_summary = summary[:2000]
        case.landed_date = landed_on
        return ["landed_summary", "landed_date"]
    if stage in (S.CLOSED, S.DECLINED):
        case.closed_reason = str(data.get("note") or "").strip()[:500]
        return ["closed_reason"]
    return []


@transaction.atomic
def match_advance(*, match_id: int, user: User, stage: str, note: str = "", **fields: Any) -> Match:
    """Staff move a pair to ``stage`` with that stage's fields (signed: contract; landed:
    outcome; closed/declined: reason in ``note``)."""
    match = _lock(match_id)
    _require_staff(match, user)
    if stage == S.APPROVED and match.status == S.SUGGESTED:
        raise ValidationError({"stage": _("请使用“批准”操作。")})
    if stage == S.REJECTED and match.status == S.SUGGESTED:
        raise ValidationError({"stage": _("请使用“否决”操作并选择原因。")})
    case = _case(match, responsible=user)
    # Check order and role first so a wrong move never reports field errors.
    if (match.status, stage) not in TRANSITIONS:
        _transition(match=match, user=user, role=STAFF, to_status=stage, note=note)
    changed = _stage_fields(match, case, stage, {**fields, "note": note})
    if changed:
        case.full_clean()
        case.save(update_fields=[*changed, "updated_at"])
    _transition(match=match, user=user, role=STAFF, to_status=stage, note=note)
    if stage in (S.INTENTION, S.SIGNED, S.LANDED, S.CLOSED):
        _notify_parties(match, event=f"stage:{stage}", template="match-stage", stage=S(stage).label)
    return match
