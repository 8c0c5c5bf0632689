"""Bids (揭榜) and competition entries: alone or as a consortium (a lead unit and member
organisations, each with its duty, people and budget share). A consortium's bid counts only
once every member has confirmed it; it can be edited until the deadline and withdrawn.
Bidders see only their own entries (:mod:`portal.challenges.selectors`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.notifications import notify
from portal import access
from portal.challenges.models import Entry, Member, Programme
from portal.models import Attachment, Expert, PostingStatus, Result
from portal.services.attachments import attachment_store

E = Entry.Status
ENTRY_FIELDS = ("title", "proposal", "budget")


def is_entrant(user: Any, entry: Entry) -> bool:
    """A member of any unit of the entry (lead or consortium member)."""
    org = getattr(user, "organization", None) if user is not None else None
    if org is None or not getattr(user, "is_authenticated", False):
        return False
    return entry.members.filter(organization=org).exists() or entry.lead_id == org.pk


def is_lead(user: Any, entry: Entry) -> bool:
    org = getattr(user, "organization", None) if user is not None else None
    return bool(getattr(user, "is_authenticated", False) and org and entry.lead_id == org.pk)


def _deadline(entry_or_programme: Entry | Programme) -> Any:
    if isinstance(entry_or_programme, Entry):
        challenge = entry_or_programme.challenge
        if challenge is not None and challenge.deadline is not None:
            return challenge.deadline
        return entry_or_programme.programme.entry_deadline
    return entry_or_programme.entry_deadline


def _share(value: Any) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"members": [_("经费占比须为数字。")]}) from exc
    if not 0 <= share <= 100:
        raise ValidationError({"members": [_("经费占比须在 0 到 100 之间。")]})
    return share


def _members(lead: Organization, rows: Iterable[Mapping[str, Any]]) -> list[Member]:
    """The consortium as given: exactly one lead (the bidder's organisation), no unit
    twice, budget shares adding up to 100 %."""
    rows = list(rows) or [{"organization": lead.pk, "role": "lead", "budget_share": 100}]
    members: list[Member] = []
    seen: set[int] = set()
    for row in rows:
        try:
            org_id = int(row.get("organization") or 0)
        except (TypeError, ValueError):
            org_id = 0
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:
            raise ValidationError({"members": [_("联合体成员单位不存在。")]})
        if org.pk in seen:
            raise ValidationError(
                {"members": [_("“%(org)s”在联合体中出现了两次。") % {"org": org}]}
            )
        seen.add(org.pk)
        role = str(row.get("role") or Member.Role.MEMBER)
        if role not in Member.Role.values:
            raise ValidationError({"members": [_("成员角色只能是牵头单位或联合单位。")]})
        members.append(
            Member(
                organization=org,
                role=role,
                duty=str(row.get("duty") or "")[:300],
                people=str(row.get("people") or "")[:300],
                budget_share=_share(row.get("budget_share", 0)),
            )
        )
    leads = [m for m in members if m.role == Member.Role.LEAD]
    if len(leads) != 1:
        raise ValidationError({"members": [_("联合体须有且只有一家牵头单位。")]})
    if leads[0].organization.pk != lead.pk:
        raise ValidationError({"members": [_("牵头单位须为填报人所在单位。")]})
    total = sum((m.budget_share for m in members), Decimal(0))
    if total != 100:
        raise ValidationError(
            {
                "members": [
                    _("各成员经费占比合计须为 100%%（现为 %(total)s%%）。") % {"total": total}
                ]
            }
        )
    return members


def _offer(
    user: User, members: list[Member], result_id: int | None, expert_id: int | None
) -> tuple[Result | None, Expert | None]:
    """The result or expert profile the bid rests on: published, of one of its units."""
    if result_id and expert_id:
        raise ValidationError({"result": [_("依托成果和负责专家只能选择一项。")]})
    orgs = {m.organization.pk for m in members}
    if result_id:
        result = Result.objects.filter(pk=result_id, status=PostingStatus.PUBLISHED).first()
        if result is None or (
            result.organization_id not in orgs and not access.is_owner(user, result)
        ):
            raise ValidationError({"result": [_("请选择本联合体单位已发布的科技成果。")]})
        return result, None
    if expert_id:
        expert = Expert.objects.filter(pk=expert_id, status=PostingStatus.PUBLISHED).first()
        if expert is None or (
            expert.organization_id not in orgs and not access.is_owner(user, expert)
        ):
            raise ValidationError({"expert": [_("请选择本联合体单位的专家。")]})
        return None, expert
    return None, None


def _shape(members: list[Member]) -> set[tuple[Any, ...]]:
    """What partners confirm: who is in the consortium, in which role, doing what, with
    whom and with which share."""
    return {(m.organization_id, m.role, m.duty, m.people, m.budget_share) for m in members}


def _notify_members(entry: Entry) -> None:
    for member in entry.members.filter(role=Member.Role.MEMBER).select_related("organization"):
        for person in User.objects.filter(memberships__organization=member.organization):
            notify(
                user=person,
                event_key=f"entry:{entry.pk}:confirm:{int(entry.updated_at.timestamp())}",
                subject=_("请确认联合体：%(title)s") % {"title": entry.title},
                body=_("“%(lead)s”牵头揭榜，将贵单位列为联合单位（经费占比 %(share)s%%）。")
                % {"lead": entry.lead, "share": member.budget_share},
                url=reverse("challenges:entry", args=[entry.pk]),
            )


@transaction.atomic
def entry_submit(
    *,
    user: User,
    programme: Programme,
    data: Mapping[str, Any],
    challenge_id: int | None = None,
    group_id: int | None = None,
    members: Iterable[Mapping[str, Any]] = (),
    result_id: int | None = None,
    expert_id: int | None = None,
) -> Entry:
    """Bid for a challenge (or enter a competition) as the lead of the bidder's unit."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    org = user.organization
    if org is None or user.is_bureau_staff:
        raise PermissionDenied(_("请以企业、高校或科研院所的账号揭榜。"))
    if not programme.entries_open:
        raise ValidationError(_("已过揭榜/报名截止时间，或尚未开始征集。"))
    challenge = group = None
    if programme.kind == Programme.Kind.CHALLENGE_LIST:
        challenge = programme.challenges.filter(pk=challenge_id or 0).first()
        if challenge is None:
            raise ValidationError({"challenge": [_("请选择本榜单的榜题。")]})
        if challenge.deadline and timezone.now() > challenge.deadline:
            raise ValidationError({"challenge": [_("该榜题已过揭榜截止时间。")]})
    else:
        group = programme.groups.filter(pk=group_id or 0).first()
        if group is None:
            raise ValidationError({"group": [_("请选择参赛组别。")]})
    live = Entry.objects.filter(programme=programme, lead=org, challenge=challenge).exclude(
        status=E.WITHDRAWN
    )
    if live.exists():
        raise ValidationError(
            _("贵单位已揭榜（参赛），请修改已有方案，或撤回后重新提交。"), code="conflict"
        )
    rows = _members(org, members)
    result, expert = _offer(user, rows, result_id, expert_id)
    if challenge is not None and result is None and expert is None:
        raise ValidationError({"result": [_("请选择依托的科技成果或负责专家。")]})
    entry = Entry(
        programme=programme,
        challenge=challenge,
        group=group,
        lead=org,
        submitted_by=user,
        result=result,
        expert=expert,
        stage=programme.stages.order_by("order").first(),
        **{k: data[k] for k in ENTRY_FIELDS if k in data},
    )
    entry.full_clean(exclude=["programme", "challenge", "group", "lead", "submitted_by", "stage"])
    entry.status = E.CONFIRMING if len(rows) > 1 else E.SUBMITTED
    entry.submitted_at = timezone.now()
    entry.save()
    now = timezone.now()
    for member in rows:
        member.entry = entry
        if member.role == Member.Role.LEAD:
            member.confirmed_at, member.confirmed_by = now, user
    Member.objects.bulk_create(rows)
    if entry.status == E.CONFIRMING:
        _notify_members(entry)
    return entry


def _lock_entry(entry_id: int) -> Entry:
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("programme", "challenge")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise ValidationError(_("揭榜/参赛项目不存在。"))
    return entry


@transaction.atomic
def entry_update(
    *,
    user: User,
    entry_id: int,
    data: Mapping[str, Any],
    members: Iterable[Mapping[str, Any]] | None = None,
    result_id: int | None = None,
    expert_id: int | None = None,
) -> Entry:
    """The lead edits its bid until the deadline; a changed consortium confirms again."""
    entry = _lock_entry(entry_id)
    if not is_lead(user, entry):
        raise PermissionDenied(_("只有牵头单位可以修改揭榜方案。"))
    if entry.status not in (E.CONFIRMING, E.SUBMITTED) or timezone.now() > _deadline(entry):
        raise ValidationError(_("已过截止时间或方案已进入评审，不能修改。"))
    for key in ENTRY_FIELDS:
        if key in data:
            setattr(entry, key, data[key])
    current = list(entry.members.select_related("organization"))
    rows = _members(entry.lead, members) if members is not None else current
    if not (result_id or expert_id):  # the offer stays unless another is named
        result_id, expert_id = entry.result_id, entry.expert_id
    if result_id or expert_id or members is not None:
        entry.result, entry.expert = _offer(user, rows, result_id, expert_id)
    if entry.challenge_id and entry.result is None and entry.expert is None:
        raise ValidationError({"result": [_("请选择依托的科技成果或负责专家。")]})
    changed = members is not None and _shape(rows) != _shape(current)
    if changed:
        entry.members.all().delete()
        for member in rows:
            member.entry = entry
            if member.role == Member.Role.LEAD:
                member.confirmed_at, member.confirmed_by = timezone.now(), user
        Member.objects.bulk_create(rows)
        entry.status = E.CONFIRMING if len(rows) > 1 else E.SUBMITTED
    entry.full_clean(exclude=["programme", "challenge", "group", "lead", "submitted_by", "stage"])
    entry.save()
    if changed and entry.status == E.CONFIRMING:
        _notify_members(entry)
    return entry


@transaction.atomic
def member_confirm(*, user: User, entry_id: int) -> Entry:
    """A consortium member confirms; the bid counts once every member has."""
    entry = _lock_entry(entry_id)
    org = user.organization
    member = entry.members.filter(organization=org).first() if org else None
    if member is None:
        raise PermissionDenied(_("贵单位不是该联合体的成员。"))
    if entry.status not in (E.CONFIRMING, E.SUBMITTED):
        raise ValidationError(_("该揭榜方案已不能确认。"), code="conflict")
    if timezone.now() > _deadline(entry):
        raise ValidationError(_("已过揭榜截止时间，不能再确认。"))
    if member.confirmed_at is None:
        member.confirmed_at, member.confirmed_by = timezone.now(), user
        member.save(update_fields=["confirmed_at", "confirmed_by"])
    if not entry.members.filter(confirmed_at__isnull=True).exists():
        entry.status = E.SUBMITTED
        entry.save(update_fields=["status", "updated_at"])
    return entry


@transaction.atomic
def entry_withdraw(*, user: User, entry_id: int) -> Entry:
    entry = _lock_entry(entry_id)
    if not is_lead(user, entry):
        raise PermissionDenied(_("只有牵头单位可以撤回揭榜方案。"))
    if entry.status not in (E.DRAFT, E.CONFIRMING, E.SUBMITTED):
        raise ValidationError(_("方案已进入评审或已有结果，不能撤回。"), code="conflict")
    entry.status = E.WITHDRAWN
    entry.save(update_fields=["status", "updated_at"])
    return entry


@transaction.atomic
def entry_attach(*, user: User, entry_id: int, upload: Any) -> Attachment:
    """The lead attaches a document (proposal, budget, qualification) until the deadline;
    checked by content like every upload."""
    entry = _lock_entry(entry_id)
    if not is_lead(user, entry):
        raise PermissionDenied(_("只有牵头单位可以上传揭榜材料。"))
    if entry.status not in (E.DRAFT, E.CONFIRMING, E.SUBMITTED) or timezone.now() > _deadline(
        entry
    ):
        raise ValidationError(_("已过截止时间或方案已进入评审，不能再上传材料。"))
    return attachment_store(owner=entry, by=user, upload=upload)
