"""Browser pages of the dispatch rounds (产业特派员): the list, the staff's round page (open,
enterprises, volunteers, solve, pins, publish), the expert's volunteering, the enterprise's
exclusions, my assignments, the visit log, rating and the ledger (工作台账).

Views parse with :mod:`portal.dispatch.forms`, call one service of
:mod:`portal.dispatch.services` and redirect (POST-redirect-GET); a refused form is shown
again with the service's errors in Chinese, nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organization
from matching.dashboards.export import tables_to_xlsx
from portal.dispatch import selectors, services
from portal.dispatch.assignment import REASON_LABELS
from portal.dispatch.dashboard import ledger_tables
from portal.dispatch.forms import (
    EnterprisesAddForm,
    ExclusionsForm,
    PinForm,
    ProposeForm,
    RateForm,
    RoundForm,
    VisitAttachForm,
    VisitForm,
    VolunteerForm,
)
from portal.dispatch.models import Assignment, Round, Visit, Volunteer
from portal.downloads import private_file
from portal.form_errors import error_text, flash_outcome, form_add_service_errors, form_error_text
from portal.models import Expert, PostingStatus
from portal.reference.regions import region_full_name

if TYPE_CHECKING:
    from accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        user: User

else:
    AuthenticatedHttpRequest = HttpRequest


def _visible_round(request: HttpRequest, pk: int) -> Round:
    return get_object_or_404(selectors.round_list_visible_to(user=request.user), pk=pk)  # type: ignore[arg-type]


def _managed_round(request: AuthenticatedHttpRequest, pk: int) -> Round:
    round_ = _visible_round(request, pk)
    services.require_manager(request.user, round_)
    return round_


def _to_round(round_: Round, anchor: str = "") -> HttpResponse:
    return redirect(reverse("dispatch:detail", args=[round_.pk]) + (f"#{anchor}" if anchor else ""))


def _act(
    request: HttpRequest, round_: Round, anchor: str, action: Callable[[], str]
) -> HttpResponse:
    flash_outcome(request, action)
    return _to_round(round_, anchor)


def _published_expert(user: Any) -> Expert | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Expert.objects.filter(user=user, status=PostingStatus.PUBLISHED).first()


# ------------------------------------------------------------------------------------ list


def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    rounds = list(selectors.round_list_visible_to(user=user).prefetch_related("fields"))  # type: ignore[arg-type]
    can_create = bool(getattr(user, "is_authenticated", False)) and user.jurisdiction is not None  # type: ignore[union-attr]
    return render(
        request,
        "dispatch/round_list.html",
        {
            "rounds": rounds,
            "can_create": can_create,
            "is_expert": _published_expert(user) is not None,
        },
    )


@login_required
def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.jurisdiction is None:
        raise PermissionDenied(_("只有科技局工作人员可以发起派遣。"))
    form = RoundForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(
                user=user, data=form.service_data(), field_ids=form.field_ids()
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("派遣批次已创建（筹备中）。开放报名后专家即可报名。"))
            return _to_round(round_)
    return render(request, "dispatch/round_form.html", {"form": form})


# ------------------------------------------------------------------------------- the round


def round_detail(request: HttpRequest, pk: int, **forms: Any) -> HttpResponse:
    round_ = _visible_round(request, pk)
    user = request.user
    manager = services.can_manage(user, round_)
    context: dict[str, Any] = {"round": round_, "manager": manager}
    if manager:
        enterprises = list(
            round_.enterprises.select_related("organization").prefetch_related("needs")
        )
        for ent in enterprises:
            ent.reason_label = REASON_LABELS.get(ent.unserved_reason, ent.unserved_reason)  # type: ignore[attr-defined]
        served = set(round_.assignments.values_list("enterprise_id", flat=True))
        volunteers = list(round_.volunteers.select_related("expert").prefetch_related("fields"))
        for vol in volunteers:
            vol.district_names = [region_full_name(c) or c for c in vol.districts or []]  # type: ignore[attr-defined]
        context.update(
            enterprises=enterprises,
            unserved=[e for e in enterprises if e.unserved_reason and e.pk not in served],
            volunteers=volunteers,
            assignments=list(selectors.assignment_list_visible_to(user=user, round_=round_)),  # type: ignore[arg-type]
            add_form=forms.get("add_form") or EnterprisesAddForm(),
            pin_form=forms.get("pin_form") or PinForm(round_=round_),
        )
    expert = _published_expert(user)
    refused = forms.get("volunteer_form")
    if expert is not None and (round_.status == Round.Status.OPEN or refused is not None):
        mine = Volunteer.objects.filter(round=round_, expert=expert).first()
        initial = {}
        if mine is not None:
            initial = {
                "capacity": mine.capacity,
                "fields_": list(mine.fields.values_list("pk", flat=True)),
                "districts": mine.districts,
            }
        context.update(
            my_volunteer=mine,
            volunteer_form=refused or VolunteerForm(round_=round_, initial=initial),
        )
    org = getattr(user, "organization", None) if getattr(user, "is_authenticated", False) else None
    if org is not None:
        row = round_.enterprises.filter(organization=org).prefetch_related("excluded").first()
        if row is not None:
            context.update(
                my_enterprise=row,
                excluded_ids={o.pk for o in row.excluded.all()},
                # The organisations experts come from (only they can be sent), and any
                # already excluded.
                exclusion_choices=Organization.objects.exclude(pk=org.pk)
                .filter(
                    Q(
                        pk__in=Expert.objects.filter(status=PostingStatus.PUBLISHED).values(
                            "organization_id"
                        )
                    )
                    | Q(pk__in=row.excluded.values("pk"))
                )
                .order_by("name")[:300],
            )
    if not manager:
        context["assignments"] = list(
            selectors.assignment_list_visible_to(user=user, round_=round_)  # type: ignore[arg-type]
        )
    return render(request, "dispatch/round_detail.html", context)


@login_required
@require_POST
def round_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)

    def run() -> str:
        services.round_open(user=request.user, round_=round_)
        return _("批次已开放报名。")

    return _act(request, round_, "", run)


@login_required
@require_POST
def enterprises_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)
    form = EnterprisesAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _to_round(round_, "enterprises")

    def run() -> str:
        added = services.enterprises_add(
            user=request.user, round_=round_, organization_ids=form.cleaned_data["organizations"]
        )
        return _("已添加 %(n)d 家企业。") % {"n": added}

    return _act(request, round_, "enterprises", run)


@login_required
@require_POST
def round_solve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)

    def run() -> str:
        solution = services.round_solve(user=request.user, round_=round_)
        return _("求解完成：派遣 %(a)d 对，未服务企业 %(u)d 家，总分 %(v).2f%(opt)s。") % {
            "a": len(solution.assigned),
            "u": len(solution.unserved),
            "v": solution.value,
            "opt": _("（最优）") if solution.optimal else "",
        }

    return _act(request, round_, "result", run)


@login_required
@require_POST
def assignment_pin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)
    form = PinForm(request.POST, round_=round_)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _to_round(round_, "result")

    def run() -> str:
        services.assignment_pin(
            user=request.user,
            round_=round_,
            enterprise_id=form.cleaned_data["enterprise"],
            volunteer_id=form.cleaned_data["volunteer"],
        )
        return _("已人工指定，请重新求解。")

    return _act(request, round_, "result", run)


@login_required
@require_POST
def round_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)

    def run() -> str:
        services.round_publish(user=request.user, round_=round_)
        return _("派遣已发布，已通知专家和企业。")

    return _act(request, round_, "", run)


@login_required
@require_POST
def volunteer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _visible_round(request, pk)
    form = VolunteerForm(request.POST, round_=round_)
    if form.is_valid():
        try:
            services.volunteer(
                user=request.user,
                round_=round_,
                capacity=form.cleaned_data["capacity"],
                field_ids=form.cleaned_data["fields_"],
                districts=form.cleaned_data["districts"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                # The form's field is "fields_" (a form cannot declare "fields").
                renamed = {
                    "fields_" if k == "fields" else k: v for k, v in exc.message_dict.items()
                }
                exc = ValidationError(renamed)
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("报名成功，等待工作人员安排。"))
            return _to_round(round_, "volunteer")
    return round_detail(request, pk, volunteer_form=form)


@login_required
@require_POST
def exclusions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _visible_round(request, pk)
    org = request.user.organization
    row = round_.enterprises.filter(organization=org).first() if org is not None else None
    if row is None:
        raise Http404
    form = ExclusionsForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _to_round(round_, "exclusions")

    def run() -> str:
        services.exclusions_set(
            user=request.user, enterprise_id=row.pk, organization_ids=form.cleaned_data["excluded"]
        )
        return _("回避单位已保存。")

    return _act(request, round_, "exclusions", run)


# -------------------------------------------------------------------------- assignments


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    rows = list(selectors.my_assignments(user=user))
    return render(
        request,
        "dispatch/mine.html",
        {
            "serving": [a for a in rows if a.volunteer.expert.user_id == user.pk],
            "served": [
                a
                for a in rows
                if user.organization is not None
                and a.enterprise.organization_id == user.organization.pk
            ],
            "to_confirm": list(selectors.visits_to_confirm(user=user)),
            "rated": Visit.objects.filter(
                assignment__enterprise__organization=user.organization,
                confirmed_at__isnull=False,
            ).select_related("assignment__volunteer__expert")[:50]
            if user.organization is not None
            else [],
        },
    )


def _my_assignment(request: AuthenticatedHttpRequest, aid: int) -> Assignment:
    row = get_object_or_404(
        Assignment.objects.select_related("round", "volunteer__expert", "enterprise__organization"),
        pk=aid,
        round__status=Round.Status.PUBLISHED,
    )
    if row.volunteer.expert.user_id != request.user.pk:
        raise PermissionDenied(_("只有被派遣的专家可以记录服务。"))
    return row


def _propose_form(row: Assignment, data: Any = None) -> ProposeForm:
    expert = row.volunteer.expert
    return ProposeForm(
        data,
        enterprise=row.enterprise,
        expert_user_id=expert.user_id,
        expert_org_id=expert.organization_id,
    )


@login_required
def visit_log(request: AuthenticatedHttpRequest, aid: int) -> HttpResponse:
    row = _my_assignment(request, aid)
    form = VisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_log(user=request.user, assignment_id=row.pk, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("服务记录已保存，企业确认后计入台账。"))
            return redirect(reverse("dispatch:visit-log", args=[row.pk]) + f"#visit-{visit.pk}")
    return _visit_page(request, row, form=form)


def _visit_page(
    request: AuthenticatedHttpRequest,
    row: Assignment,
    *,
    form: VisitForm | None = None,
    attach_form: VisitAttachForm | None = None,
    attach_visit: int | None = None,
) -> HttpResponse:
    visits = selectors.with_files(list(row.visits.select_related("match")))
    return render(
        request,
        "dispatch/visit_form.html",
        {
            "assignment": row,
            "form": form or VisitForm(),
            "visits": visits,
            "propose_form": _propose_form(row),
            "attach_form": attach_form or VisitAttachForm(),
            "attach_visit": attach_visit,
        },
    )


@login_required
@require_POST
def visit_attach(request: AuthenticatedHttpRequest, vid: int) -> HttpResponse:
    """The expert adds photos or reports to a visit already logged."""
    visit = get_object_or_404(Visit.objects.select_related("assignment"), pk=vid)
    row = _my_assignment(request, visit.assignment_id)
    form = VisitAttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            stored = services.visit_attach(
                user=request.user, visit_id=visit.pk, uploads=form.cleaned_data["attachments"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已上传 %(n)s 个文件。") % {"n": len(stored)})
            return redirect(reverse("dispatch:visit-log", args=[row.pk]) + f"#visit-{visit.pk}")
    return _visit_page(request, row, attach_form=form, attach_visit=visit.pk)


@login_required
def visit_attachment(request: AuthenticatedHttpRequest, vid: int, aid: int) -> FileResponse:
    """A visit's photo or report, for the expert, the served enterprise and the round's
    staff."""
    visit = get_object_or_404(
        Visit.objects.select_related(
            "assignment__round", "assignment__volunteer__expert", "assignment__enterprise"
        ),
        pk=vid,
    )
    if not selectors.can_see_visit(request.user, visit):
        raise Http404
    found = next((a for a in selectors.visit_attachments(visit) if a.pk == aid), None)
    if found is None:
        raise Http404
    return private_file(found.file, found.original_name, found.mime_type)


@login_required
@require_POST
def visit_propose(request: AuthenticatedHttpRequest, vid: int) -> HttpResponse:
    visit = get_object_or_404(Visit.objects.select_related("assignment"), pk=vid)
    row = _my_assignment(request, visit.assignment_id)
    form = _propose_form(row, request.POST)
    back = reverse("dispatch:visit-log", args=[row.pk])
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect(back)
    try:
        services.visit_propose(
            user=request.user,
            visit_id=visit.pk,
            need_id=form.cleaned_data["need"],
            result_id=form.cleaned_data["result"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已提出合作，对接记录已建立。"))
    return redirect(back)


@login_required
def visit_rate(request: AuthenticatedHttpRequest, vid: int) -> HttpResponse:
    visit = get_object_or_404(
        Visit.objects.select_related(
            "assignment__enterprise__organization", "assignment__volunteer__expert"
        ),
        pk=vid,
    )
    org = request.user.organization
    if org is None or org.pk != visit.assignment.enterprise.organization_id:
        raise PermissionDenied(_("只有被服务的企业可以评价。"))
    initial = {"rating": visit.rating, "comment": visit.rating_comment} if visit.rating else None
    form = RateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_rate(
                user=request.user,
                visit_id=visit.pk,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("感谢评价，服务已确认。"))
            return redirect("dispatch:mine")
    selectors.with_files([visit])
    return render(request, "dispatch/visit_rate.html", {"visit": visit, "form": form})


# ---------------------------------------------------------------------------------- ledger


@login_required
def ledger(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _managed_round(request, pk)
    book = selectors.ledger(rounds=Round.objects.filter(pk=round_.pk))
    visits = selectors.with_files(
        list(
            Visit.objects.filter(assignment__round=round_)
            .select_related("assignment__volunteer__expert", "assignment__enterprise__organization")
            .order_by("-date", "-pk")[:200]
        )
    )
    return render(
        request, "dispatch/ledger.html", {"round": round_, "book": book, "visits": visits}
    )


@login_required
def ledger_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The round's ledger as an Excel workbook: one sheet per table, numbers as numbers and
    dates as dates."""
    round_ = _managed_round(request, pk)
    tables = ledger_tables(Round.objects.filter(pk=round_.pk), visits=True)
    response = HttpResponse(
        tables_to_xlsx(tables),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="dispatch-ledger-{round_.pk}.xlsx"'
    return response
