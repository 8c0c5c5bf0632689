"""Publicity (公示), objections, the final award and its delivery.

The result is published for ``objection_days`` working days (China's statutory calendar);
anyone logged in may object with grounds; staff record how each objection was handled and
only then make the result final. A challenge's award becomes a pair (the challenge's need ×
the bid's result or expert) at ``negotiating`` — or ``signed`` with the contract amount —
through :func:`matching.pairs.programmes.pair_reach`, with its milestones (任务书, 中期检查,
验收). Competition winners may be flagged for follow-up.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from matching.models import MatchStatus
from matching.pairs.programmes import pair_reach
from portal.challenges.entries import is_lead
from portal.challenges.models import Entry, Milestone, Objection, Programme, Stage
from portal.challenges.services import can_manage, lock, require_manager
from portal.challenges.workdays import add_working_days
from portal.services.attachments import upload_check

E = Entry.Status
P = Programme.Status


@transaction.atomic
def publicity_start(*, user: User, programme: Programme) -> Programme:
    """Publish the selected entries for the objection period."""
    programme = lock(programme)
    require_manager(user, programme)
    if programme.status != P.REVIEWING:
        raise ValidationError(_("评审完成后才能公示。"), code="conflict")
    if programme.kind == Programme.Kind.CHALLENGE_LIST:
        undecided = programme.challenges.exclude(
            entries__status__in=(E.SELECTED, E.NOT_SELECTED)
        ).filter(entries__status=E.SUBMITTED)
        if undecided.exists():
            raise ValidationError(_("还有榜题未评定：%(t)s") % {"t": undecided.first()})
    elif programme.stages.exclude(status=Stage.Status.CLOSED).exists():
        raise ValidationError(_("还有评审阶段未结束。"))
    now = timezone.now()
    end_day = add_working_days(timezone.localdate(now), programme.objection_days)
    programme.status = P.PUBLICITY
    programme.publicity_start = now
    programme.publicity_end = dt.datetime.combine(
        end_day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone()
    )
    programme.save(update_fields=["status", "publicity_start", "publicity_end", "updated_at"])
    return programme


@transaction.atomic
def objection_file(
    *, user: User, programme: Programme, grounds: str, entry_id: int | None = None
) -> Objection:
    """Anyone logged in may object during the publicity period, with grounds."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("请登录后提出异议。"))
    programme = Programme.objects.get(pk=programme.pk)
    if not programme.objections_open:
        raise ValidationError(_("不在公示期内，不能提出异议。"))
    if len(grounds.strip()) < 10:
        raise ValidationError({"grounds": [_("请写明异议理由（至少 10 个字）。")]})
    entry = None
    if entry_id:
        entry = programme.entries.filter(pk=entry_id, status=E.SELECTED).first()
        if entry is None:
            raise ValidationError({"entry": [_("只能对公示中的入选项目提出异议。")]})
    return Objection.objects.create(
        programme=programme, entry=entry, filed_by=user, grounds=grounds.strip()[:5000]
    )


@transaction.atomic
def objection_handle(*, user: User, objection_id: int, handling: str, note: str) -> Objection:
    objection = (
        Objection.objects.select_for_update().select_related("programme").get(pk=objection_id)
    )
    require_manager(user, objection.programme)
    if handling not in Objection.Handling.values:
        raise ValidationError({"handling": [_("请选择处理结果。")]})
    if not note.strip():
        raise ValidationError({"handling_note": [_("请填写处理说明。")]})
    objection.handling = handling
    objection.handling_note = note.strip()[:5000]
    objection.handled_by = user
    objection.handled_at = timezone.now()
    objection.save()
    if handling == Objection.Handling.UPHELD and objection.entry_id:
        # An upheld objection takes the entry out of the result.
        Entry.objects.filter(pk=objection.entry_id).update(
            status=E.NOT_SELECTED,
            decision_reason=_("公示异议成立：") + objection.handling_note[:900],
        )
    notify(
        user=objection.filed_by,
        event_key=f"objection:{objection.pk}:handled",
        subject=_("您对“%(p)s”的异议已处理") % {"p": objection.programme},
        body=f"{objection.get_handling_display()}：{objection.handling_note}",
        url=objection.programme.get_absolute_url(),
    )
    return objection


def _milestones(entry: Entry, start: dt.date, months: int) -> None:
    months = max(months, 2)
    plan = [
        (Milestone.Kind.TASK_BOOK, start + dt.timedelta(days=30)),
        (Milestone.Kind.MIDTERM, start + dt.timedelta(days=30 * months // 2)),
        (Milestone.Kind.ACCEPTANCE, start + dt.timedelta(days=30 * months)),
    ]
    for kind, due in plan:
        Milestone.objects.get_or_create(entry=entry, kind=kind, defaults={"due_date": due})


@transaction.atomic
def programme_finalize(*, user: User, programme: Programme) -> list[Entry]:
    """After the publicity period, with every objection handled: the selected entries are
    awarded. A challenge's award becomes a pair at 洽谈中 (negotiating) with its milestones;
    competition winners keep their rank."""
    programme = lock(programme)
    require_manager(user, programme)
    if programme.status != P.PUBLICITY:
        raise ValidationError(_("公示后才能确定结果。"), code="conflict")
    if programme.publicity_end and timezone.now() <= programme.publicity_end:
        raise ValidationError(
            _("公示期至 %(end)s 结束，届时才能确定结果。")
            % {"end": timezone.localtime(programme.publicity_end).strftime("%Y-%m-%d")}
        )
    open_objections = programme.objections.filter(handling="").count()
    if open_objections:
        raise ValidationError(
            _("还有 %(n)s 条异议未处理，请先记录处理结果。") % {"n": open_objections}
        )
    awarded = list(programme.entries.filter(status=E.SELECTED).select_related("challenge"))
    today = timezone.localdate()
    for entry in awarded:
        entry.status = E.AWARDED
        if entry.challenge is not None and entry.challenge.need is not None:
            offer = entry.result or entry.expert
            if offer is not None:
                entry.match = pair_reach(
                    user=user,
                    need=entry.challenge.need,
                    offer=offer,
                    stage=MatchStatus.NEGOTIATING,
                    source=_("揭榜挂帅“%(p)s”揭榜") % {"p": programme.title},
                    source_url=entry.challenge.get_absolute_url(),
                    note=entry.decision_reason,
                )
            _milestones(entry, today, entry.challenge.duration_months)
        entry.save(update_fields=["status", "match", "updated_at"])
        for person in User.objects.filter(memberships__organization=entry.lead_id):
            notify(
                user=person,
                event_key=f"entry:{entry.pk}:awarded",
                subject=_("“%(t)s”已确定入选") % {"t": entry.title},
                url=programme.get_absolute_url(),
            )
    programme.status = P.FINAL
    programme.finalized_at = timezone.now()
    programme.save(update_fields=["status", "finalized_at", "updated_at"])
    return awarded


@transaction.atomic
def award_sign(
    *, user: User, entry_id: int, contract_amount: Decimal, contract_date: dt.date | None = None
) -> Entry:
    """The awarded bid's contract (任务书/合同) is signed: its pair moves to 已签约."""
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("programme", "challenge")
        .get(pk=entry_id)
    )
    require_manager(user, entry.programme)
    if entry.status != E.AWARDED or entry.challenge is None or entry.challenge.need is None:
        raise ValidationError(_("只有已揭榜的榜题方案可以登记签约。"))
    offer = entry.result or entry.expert
    if offer is None:
        raise ValidationError(_("该方案没有依托的成果或专家，无法形成对接配对。"))
    entry.match = pair_reach(
        user=user,
        need=entry.challenge.need,
        offer=offer,
        stage=MatchStatus.SIGNED,
        source=_("揭榜挂帅“%(p)s”揭榜") % {"p": entry.programme.title},
        source_url=entry.challenge.get_absolute_url(),
        contract_amount=contract_amount,
        contract_date=contract_date,
    )
    entry.save(update_fields=["match", "updated_at"])
    return entry


@transaction.atomic
def milestone_complete(
    *, user: User, milestone_id: int, done_at: dt.date, note: str, document: Any = None
) -> Milestone:
    milestone = (
        Milestone.objects.select_for_update()
        .select_related("entry__programme")
        .get(pk=milestone_id)
    )
    entry = milestone.entry
    if not (can_manage(user, entry.programme) or is_lead(user, entry)):
        raise PermissionDenied(_("只有牵头单位或工作人员可以登记节点完成情况。"))
    if done_at > timezone.localdate():
        raise ValidationError({"done_at": [_("完成日期不能晚于今天。")]})
    if not note.strip():
        raise ValidationError({"note": [_("请填写完成情况。")]})
    milestone.done_at = done_at
    milestone.note = note.strip()[:5000]
    milestone.done_by = user
    if document is not None:
        upload_check(document)
        milestone.document = document
    milestone.save()
    return milestone


@transaction.atomic
def follow_up_flag(*, user: User, entry_id: int, due: dt.date) -> Entry:
    """Flag a competition winner for follow-up service; it appears on staff to-do lists."""
    entry = Entry.objects.select_for_update().select_related("programme").get(pk=entry_id)
    require_manager(user, entry.programme)
    if entry.status not in (E.SELECTED, E.AWARDED):
        raise ValidationError(_("只能跟踪入选或获奖项目。"))
    entry.follow_up = True
    entry.follow_up_due = due
    entry.save(update_fields=["follow_up", "follow_up_due", "updated_at"])
    return entry


def milestone_reminders_send(*, days_ahead: int = 7) -> int:
    """Remind the lead unit of milestones due within ``days_ahead`` days, and again once
    overdue (each reminder once per milestone and due date); returns notices sent."""
    today = timezone.localdate()
    due = Milestone.objects.filter(
        done_at__isnull=True,
        due_date__lte=today + dt.timedelta(days=days_ahead),
        entry__status=E.AWARDED,
    ).select_related("entry__programme")
    sent = 0
    for milestone in due:
        overdue = milestone.due_date < today
        kind = "overdue" if overdue else "soon"
        subject = (
            _("“%(entry)s”的“%(m)s”已逾期（%(due)s）")
            if overdue
            else _("“%(entry)s”的“%(m)s”将于 %(due)s 到期")
        ) % {
            "entry": milestone.entry.title,
            "m": milestone.get_kind_display(),
            "due": milestone.due_date,
        }
        for person in User.objects.filter(memberships__organization=milestone.entry.lead_id):
            notice = notify(
                user=person,
                event_key=f"milestone:{milestone.pk}:{kind}:{milestone.due_date}",
                subject=subject,
                url=reverse("challenges:entry", args=[milestone.entry_id]),
            )
            sent += notice is not None
    return sent
