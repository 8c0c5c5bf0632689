"""An entry's page as its units see it: status, the consortium with each unit's
confirmation, the confirm / edit / withdraw actions, the published result and the delivery
milestones (the lead reports each one done, with an optional document).

An entry opens only if :func:`portal.challenges.selectors.entry_list_visible_to` lists it for
the user (its own units, its reviewers, the managing staff, and during publicity the public
result); everyone else gets a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.challenges import awards, selectors
from portal.challenges import entries as entry_services
from portal.challenges.forms import AttachmentForm, EntryForm, MilestoneForm
from portal.challenges.models import Entry, Member, Milestone, Reviewer
from portal.challenges.services import can_manage
from portal.challenges.views import entry_deadline, present
from portal.downloads import private_file
from portal.models import Attachment

if TYPE_CHECKING:
    from accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        user: User


E = Entry.Status
EDITABLE = (E.CONFIRMING, E.SUBMITTED)
WITHDRAWABLE = (E.DRAFT, E.CONFIRMING, E.SUBMITTED)


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def entry_for(request: HttpRequest, eid: int) -> Entry:
    """The entry if the user may see it; else 404 (nobody learns another unit's bid)."""
    entry = get_object_or_404(Entry.objects.select_related("programme"), pk=eid)
    visible = selectors.entry_list_visible_to(user=_user(request), programme=entry.programme)
    found = (
        visible.select_related("programme", "submitted_by")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.select_related("organization").order_by("-role", "id"),
            )
        )
        .filter(pk=eid)
        .first()
    )
    if found is None:
        raise Http404
    return found


def assignment_for(user: Any, entry: Entry) -> Reviewer | None:
    """The user's review assignment covering the entry's current stage, if any."""
    if user is None or entry.stage_id is None:
        return None
    return (
        selectors.assignments_of(user=user)
        .filter(stage_id=entry.stage_id)
        .filter(Q(challenge=None) | Q(challenge=entry.challenge_id))
        .first()
    )


def attachments_of(entry: Entry) -> list[Attachment]:
    return list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(Entry), object_id=entry.pk
        ).order_by("created_at", "id")
    )


def _entry_context(
    request: HttpRequest,
    entry: Entry,
    *,
    milestone_form: MilestoneForm | None = None,
    attachment_form: AttachmentForm | None = None,
) -> dict[str, Any]:
    user = _user(request)
    manages = can_manage(user, entry.programme)
    lead = entry_services.is_lead(user, entry)
    entrant = entry_services.is_entrant(user, entry)
    assignment = assignment_for(user, entry)
    org = user.organization if user is not None else None
    members = list(entry.members.all())
    mine = next((m for m in members if org is not None and m.organization_id == org.pk), None)
    present(entry, manages=manages)
    milestones = list(entry.milestones.all())
    forms: dict[int, MilestoneForm] = {}
    if lead or manages:
        for milestone in milestones:
            if milestone_form is not None and milestone_form.milestone.pk == milestone.pk:
                forms[milestone.pk] = milestone_form
            elif milestone.done_at is None:
                forms[milestone.pk] = MilestoneForm(milestone=milestone)
    can_edit = lead and entry.status in EDITABLE and timezone.now() <= entry_deadline(entry)
    insider = manages or entrant or assignment is not None
    if attachment_form is None and can_edit:
        attachment_form = AttachmentForm()
    return {
        "entry": entry,
        "programme": entry.programme,
        "members": members,
        "insider": insider,
        "attachments": attachments_of(entry) if insider else [],
        "attachment_form": attachment_form,
        "entrant": entrant,
        "is_lead": lead,
        "can_manage": manages,
        "assignment": assignment,
        "can_confirm": mine is not None
        and mine.confirmed_at is None
        and entry.status == E.CONFIRMING,
        "can_edit": can_edit,
        "can_withdraw": lead and entry.status in WITHDRAWABLE,
        "deadline": entry_deadline(entry),
        "milestone_rows": [(m, forms.get(m.pk)) for m in milestones],
    }


@require_GET
def entry_detail(request: HttpRequest, eid: int) -> HttpResponse:
    entry = entry_for(request, eid)
    return render(request, "challenges/entry_detail.html", _entry_context(request, entry))


def _refused(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text or _("操作未完成。"))


@login_required
@require_POST
def entry_confirm(request: AuthenticatedHttpRequest, eid: int) -> HttpResponse:
    """A consortium member confirms the bid that names it."""
    entry = entry_for(request, eid)
    try:
        entry = entry_services.member_confirm(user=request.user, entry_id=entry.pk)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        if entry.status == E.SUBMITTED:
            messages.success(request, _("已确认。联合体成员均已确认，方案已正式提交。"))
        else:
            messages.success(request, _("已确认，待其他成员单位确认。"))
    return redirect("challenges:entry", entry.pk)


@login_required
@require_POST
def entry_withdraw(request: AuthenticatedHttpRequest, eid: int) -> HttpResponse:
    entry = entry_for(request, eid)
    try:
        entry_services.entry_withdraw(user=request.user, entry_id=entry.pk)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("方案已撤回。"))
    return redirect("challenges:entry", entry.pk)


def _consortium_unchanged(entry: Entry, form: EntryForm) -> bool:
    """The posted consortium and offer are the entry's own: then the members need not
    confirm again (the service resets every confirmation when given the members)."""

    def key(row: tuple[Any, ...]) -> tuple[int, str]:
        return row[0], row[1]

    def share(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    now = sorted(
        (
            (m.organization_id, m.role, m.duty, m.people, share(m.budget_share))
            for m in entry.members.all()
        ),
        key=key,
    )
    posted = sorted(
        (
            (int(r["organization"]), r["role"], r["duty"], r["people"], share(r["budget_share"]))
            for r in form.member_rows()
        ),
        key=key,
    )
    kwargs = form.service_kwargs()
    offer = (kwargs["result_id"], kwargs["expert_id"])
    return now == posted and offer == (entry.result_id, entry.expert_id)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: AuthenticatedHttpRequest, eid: int) -> HttpResponse:
    """The lead edits its bid until the deadline; a changed consortium confirms again."""
    entry = entry_for(request, eid)
    user = request.user
    if not entry_services.is_lead(user, entry):
        raise PermissionDenied(_("只有牵头单位可以修改揭榜方案。"))
    if request.method == "POST":
        form = EntryForm(request.POST, programme=entry.programme, user=user, entry=entry)
        if form.is_valid():
            kwargs = form.service_kwargs()
            if _consortium_unchanged(entry, form):
                kwargs = {"data": kwargs["data"]}
            try:
                entry = entry_services.entry_update(user=user, entry_id=entry.pk, **kwargs)
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("方案已保存。"))
                return redirect("challenges:entry", entry.pk)
    else:
        form = EntryForm(programme=entry.programme, user=user, entry=entry)
    present(entry)
    context = {
        "entry": entry,
        "programme": entry.programme,
        "form": form,
        "deadline": entry_deadline(entry),
        "can_edit": entry.status in EDITABLE and timezone.now() <= entry_deadline(entry),
    }
    return render(request, "challenges/entry_edit.html", context)


@login_required
@require_POST
def milestone_complete(request: AuthenticatedHttpRequest, eid: int, mid: int) -> HttpResponse:
    """The lead reports a delivery milestone done (date, what was done, a document)."""
    entry = entry_for(request, eid)
    milestone = get_object_or_404(Milestone, pk=mid, entry=entry)
    form = MilestoneForm(request.POST, request.FILES, milestone=milestone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            awards.milestone_complete(
                user=request.user,
                milestone_id=milestone.pk,
                done_at=data["done_at"],
                note=data["note"],
                document=data["document"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记“%(m)s”完成情况。") % {"m": milestone})
            return redirect("challenges:entry", entry.pk)
    context = _entry_context(request, entry, milestone_form=form)
    return render(request, "challenges/entry_detail.html", context)


@login_required
@require_GET
def milestone_document(request: AuthenticatedHttpRequest, eid: int, mid: int) -> FileResponse:
    """A milestone's document, for the entry's units and the managing staff only."""
    entry = entry_for(request, eid)
    if not (
        entry_services.is_entrant(request.user, entry) or can_manage(request.user, entry.programme)
    ):
        raise Http404
    milestone = get_object_or_404(Milestone, pk=mid, entry=entry)
    if not milestone.document:
        raise Http404
    return private_file(milestone.document, milestone.document.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def attachment_add(request: AuthenticatedHttpRequest, eid: int) -> HttpResponse:
    """The lead attaches a document to its bid until the deadline."""
    entry = entry_for(request, eid)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = entry_services.entry_attach(
                user=request.user, entry_id=entry.pk, upload=form.cleaned_data["attachment"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已上传“%(name)s”。") % {"name": stored.original_name})
            return redirect(reverse("challenges:entry", args=[entry.pk]) + "#attachments")
    context = _entry_context(request, entry, attachment_form=form)
    return render(request, "challenges/entry_detail.html", context)


@login_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, eid: int, aid: int) -> FileResponse:
    """A bid's document, for its units, its reviewers and the managing staff only."""
    entry = entry_for(request, eid)
    user = request.user
    if not (
        entry_services.is_entrant(user, entry)
        or can_manage(user, entry.programme)
        or assignment_for(user, entry) is not None
    ):
        raise Http404
    attachment = next((a for a in attachments_of(entry) if a.pk == aid), None)
    if attachment is None:
        raise Http404
    return private_file(attachment.file, attachment.original_name, attachment.mime_type)
