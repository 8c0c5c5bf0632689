"""Browser pages of the match workflow: review queue, pair page, pipeline, follow-ups,
"需跟进", dashboard, public statistics. Each view fetches through a scoped selector first,
then calls a service and redirects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from matching.lists.explain import explanation_summary
from matching.models import MatchSide, MatchStatus
from matching.pairs import followups, parties, scoping
from matching.pairs import selectors as sel
from matching.pairs import services as workflow
from matching.pairs.forms import (
    AdvanceForm,
    FollowUpForm,
    ManualMatchForm,
    RejectForm,
    RespondForm,
)
from matching.pairs.todo import programme_todos
from portal.form_errors import form_add_service_errors
from portal.models import Expert, Need, PostingStatus, Result, TechField
from portal.reference.regions import region_full_name


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if scoping.jurisdiction_of(user) is None:
        raise PermissionDenied
    return user


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or _("您无权执行此操作。")


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# ------------------------------------------------------------------------- one pair's decision
# (the queue itself and bulk decisions: views_review.py)


@login_required
@require_POST
def match_approve_view(request: HttpRequest, match_id: int) -> HttpResponse:
    user = _staff(request)
    sel.get_match_for_user(user=user, match_id=match_id)
    try:
        workflow.match_approve(match_id=match_id, user=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已批准，已通知对接双方。"))
    return _back(request, reverse("matching:match-detail", args=[match_id]))


@login_required
@require_POST
def match_reject_view(request: HttpRequest, match_id: int) -> HttpResponse:
    user = _staff(request)
    sel.get_match_for_user(user=user, match_id=match_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择否决原因。"))
        return _back(request, reverse("matching:match-detail", args=[match_id]))
    try:
        workflow.match_reject(
            match_id=match_id,
            user=user,
            reason_code=form.cleaned_data["reason_code"],
            reason_text=form.cleaned_data["reason_text"],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已否决。"))
    return _back(request, reverse("matching:match-detail", args=[match_id]))


# ------------------------------------------------------------------------- manual matches


def _search_postings(user: User, kind: str, query: str) -> list[Any]:
    model: Any = {"need": Need, "result": Result, "expert": Expert}[kind]
    qs = model.objects.filter(status=PostingStatus.PUBLISHED).select_related("organization")
    if kind == "need":
        # The need side is what the bureau brokers: its own region's needs.
        qs = scoping.scope_by_region(qs, user)
    if query:
        name = "name" if kind == "expert" else "title"
        cond = Q(**{f"{name}__icontains": query}) | Q(keywords__icontains=query)
        cond |= Q(organization__name__icontains=query)
        if query.isdigit():
            cond |= Q(pk=int(query))
        qs = qs.filter(cond)
    return list(qs.order_by("-published_at", "-pk")[:10])


@login_required
@require_GET
def posting_search(request: HttpRequest) -> HttpResponse:
    """htmx: search-as-you-type for the manual match form; returns radio options."""
    user = _staff(request)
    kind = request.GET.get("kind") or request.GET.get("offer_kind") or "need"
    if kind not in ("need", "result", "expert"):
        raise Http404
    query = (request.GET.get("q") or "").strip()[:50]
    name = "need" if kind == "need" else "offer"
    return render(
        request,
        "matching/partials/posting_options.html",
        {"items": _search_postings(user, kind, query), "name": name, "kind": kind},
    )


@login_required
def match_manual(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = ManualMatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            match = workflow.match_create_manual(
                user=user,
                need_id=data["need"],
                result_id=data["offer"] if data["offer_kind"] == "result" else None,
                expert_id=data["offer"] if data["offer_kind"] == "expert" else None,
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError):
                form_add_service_errors(form, exc)
            else:
                form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已添加对接并通知双方。"))
            return redirect("matching:match-detail", match_id=match.pk)
    return render(request, "matching/match_manual.html", {"form": form})


# ------------------------------------------------------------------------- pair page


def _stage_choices(match: Any) -> list[tuple[str, str]]:
    targets = workflow.allowed_targets(match.status, parties.STAFF)
    hidden = {MatchStatus.APPROVED, MatchStatus.REJECTED}
    return [(t, str(MatchStatus(t).label)) for t in targets if t not in hidden]


@login_required
@require_GET
def match_detail(request: HttpRequest, match_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    match = sel.get_match_for_user(user=user, match_id=match_id)
    return _render_detail(request, match)


def _render_detail(request: HttpRequest, match: Any, **forms: Any) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    is_staff = scoping.match_in_jurisdiction(user, match)
    side = parties.user_side(match, user)
    offer = parties.offer_of(match)
    responses = {r.side: r for r in match.responses.select_related("responded_by")}
    from portal.access import can_see_contact, hidden_fields

    case = getattr(match, "case", None)
    shared = sel.pair_contacts_visible(user=user, match=match)
    context = {
        "match": match,
        "offer": offer,
        "offer_kind": "result" if match.result_id else "expert",
        "case": case,
        "is_staff": is_staff,
        "side": side,
        "side_label": MatchSide(side).label if side else "",
        "need_response": responses.get(MatchSide.NEED),
        "offer_response": responses.get(MatchSide.OFFER),
        "my_response": responses.get(side) if side else None,
        "need_contact": sel.contact_of(match.need)
        if shared or can_see_contact(user, match.need)
        else None,
        "offer_contact": sel.contact_of(offer) if shared or can_see_contact(user, offer) else None,
        "need_hidden": hidden_fields(user, match.need),
        "offer_hidden": hidden_fields(user, offer),
        "summary": explanation_summary(match.explanation),
        "transitions": match.transitions.select_related("by"),
        "followups": match.followups.select_related("by") if is_staff else [],
        "decisions": match.decisions.select_related("decided_by") if is_staff else [],
        "reject_form": forms.get("reject_form") or RejectForm(),
        "respond_form": forms.get("respond_form") or RespondForm(),
        "advance_form": forms.get("advance_form") or AdvanceForm(stages=_stage_choices(match)),
        "followup_form": forms.get("followup_form")
        or FollowUpForm(initial={"date": timezone.localdate()}),
        "can_follow_up": is_staff and match.status in workflow.OPEN_STAGES,
        "can_respond": match.status == MatchStatus.APPROVED,
    }
    status = 400 if forms else 200
    return render(request, "matching/match_detail.html", context, status=status)


@login_required
@require_POST
def match_respond_view(request: HttpRequest, match_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    match = sel.get_match_for_user(user=user, match_id=match_id)
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, match, respond_form=form)
    try:
        response = workflow.match_respond(
            match_id=match_id,
            user=user,
            accept=form.cleaned_data["accept"],
            reason=form.cleaned_data["reason"],
            side=form.cleaned_data["side"] or None,
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return _render_detail(request, match, respond_form=form)
    if response.accepted:
        messages.success(request, _("您已同意对接。双方均同意后将展示对方联系方式。"))
    else:
        messages.info(request, _("您已谢绝该对接。"))
    return redirect("matching:match-detail", match_id=match_id)


@login_required
@require_POST
def match_advance_view(request: HttpRequest, match_id: int) -> HttpResponse:
    user = _staff(request)
    match = sel.get_match_for_user(user=user, match_id=match_id)
    form = AdvanceForm(request.POST, stages=[(s, s) for s in MatchStatus.values])
    if not form.is_valid():
        return _render_detail(request, match, advance_form=form)
    data = form.cleaned_data
    try:
        workflow.match_advance(
            match_id=match_id,
            user=user,
            stage=data["stage"],
            note=data["note"],
            contract_amount=data["contract_amount"],
            contract_date=data["contract_date"],
            contract_type=data["contract_type"],
            contract_reg_no=data["contract_reg_no"],
            landed_summary=data["landed_summary"],
            landed_date=data["landed_date"],
        )
    except ValidationError as exc:
        form.fields["stage"].choices = _stage_choices(match)  # type: ignore[attr-defined]
        form_add_service_errors(form, exc)
        return _render_detail(request, match, advance_form=form)
    messages.success(
        request, _("已变更为“%(stage)s”。") % {"stage": MatchStatus(data["stage"]).label}
    )
    return redirect("matching:match-detail", match_id=match_id)


@login_required
@require_POST
def followup_create_view(request: HttpRequest, match_id: int) -> HttpResponse:
    user = _staff(request)
    match = sel.get_match_for_user(user=user, match_id=match_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, match, followup_form=form)
    data = form.cleaned_data
    try:
        followups.followup_create(match_id=match_id, user=user, **data)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return _render_detail(request, match, followup_form=form)
    messages.success(request, _("已记录跟进。"))
    return redirect("matching:match-detail", match_id=match_id)


# ------------------------------------------------------------------------- lists


LIST_FILTERS = ("status", "direction", "reached", "region", "field", "from", "to")


def _list_filters(request: HttpRequest) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The pipeline list's filters from the query string: the selector's arguments, the
    values as given (for the page's chips and links) and the messages of unusable ones."""
    given = {name: request.GET.get(name, "").strip() for name in LIST_FILTERS}
    errors: list[str] = []
    dates: dict[str, Any] = {}
    for name, label in (("from", _("起始日期")), ("to", _("截止日期"))):
        if given[name]:
            try:
                dates[name] = forms.DateField().clean(given[name])
            except ValidationError:
                errors.append(_("%(label)s不是有效日期（格式 2026-01-31）。") % {"label": label})
                given[name] = ""
    stages = {value for value, _label in MatchStatus.choices}
    if given["reached"] and given["reached"] not in stages:
        errors.append(_("未知的阶段。"))
        given["reached"] = ""
    if given["region"] and not given["region"].isdigit():
        errors.append(_("地区代码应为数字。"))
        given["region"] = ""
    kwargs = {
        "status": given["status"],
        "direction": given["direction"],
        "reached": given["reached"],
        "region": given["region"],
        "field": given["field"],
        "date_from": dates.get("from"),
        "date_to": dates.get("to"),
    }
    return kwargs, {k: v for k, v in given.items() if v}, errors


@login_required
@require_GET
def match_list(request: HttpRequest) -> HttpResponse:
    """Staff: the pipeline of their jurisdiction; parties: "我的对接". Filters by stage,
    region, field and period as the dashboard's drill-down links ask (empty ones dropped
    from the URL); suggestions show only when asked for by name."""
    user: User = request.user  # type: ignore[assignment]
    if any(value == "" for value in request.GET.values()):
        kept = [(k, v) for k, values in request.GET.lists() for v in values if v != ""]
        return redirect(request.path + ("?" + urlencode(kept) if kept else ""))
    kwargs, active, errors = _list_filters(request)
    qs = sel.match_list_visible_to(user=user)
    statuses = kwargs["status"].split(",")
    if MatchStatus.SUGGESTED not in statuses and kwargs["reached"] != MatchStatus.SUGGESTED:
        qs = qs.exclude(status=MatchStatus.SUGGESTED)
    qs = sel.match_filter(qs, **kwargs).order_by("-updated_at", "-id")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    stages = [(s, label) for s, label in MatchStatus.choices if s != MatchStatus.SUGGESTED]
    stage_names = dict(MatchStatus.choices)
    chips = []
    if active.get("reached"):
        chips.append(("reached", _("曾到达：%(s)s") % {"s": stage_names[active["reached"]]}))
    if active.get("region"):
        name = region_full_name((active["region"] + "000000")[:6]) or active["region"]
        chips.append(("region", _("地区：%(s)s") % {"s": name}))
    if active.get("field"):
        field_name = TechField.objects.filter(code=active["field"]).values_list("name", flat=True)
        chips.append(("field", _("技术领域：%(s)s") % {"s": field_name.first() or active["field"]}))
    if active.get("from") or active.get("to"):
        period = {"a": active.get("from", "…"), "b": active.get("to", "…")}
        chips.append(("period", _("时间段：%(a)s – %(b)s") % period))
    chip_links = []
    for key, label in chips:
        names = ("from", "to") if key == "period" else (key,)
        rest = {k: v for k, v in active.items() if k not in names}
        chip_links.append({"label": label, "remove": "?" + urlencode(rest) if rest else "?"})
    return render(
        request,
        "matching/match_list.html",
        {
            "page": page,
            "total": page.paginator.count,
            "status": kwargs["status"],
            "stages": stages,
            "is_staff": user.is_bureau_staff,
            "errors": errors,
            "chips": chip_links,
            "hidden": {k: v for k, v in active.items() if k != "status"},
            "query": urlencode(active),
        },
    )


@login_required
@require_GET
def due_list(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    matches = list(sel.match_list_due_for(user=user)[:200])
    today = timezone.localdate()
    for match in matches:
        match.overdue = bool(  # type: ignore[attr-defined]
            match.case.next_contact_date and match.case.next_contact_date < today
        )
        match.idle_days = (timezone.now() - match.case.last_activity_at).days  # type: ignore[attr-defined]
    return render(
        request,
        "matching/due_list.html",
        {
            "matches": matches,
            "idle_limit": followups.idle_days(),
            "programme_todos": programme_todos(user=user),
        },
    )


# ------------------------------------------------------------------------- dashboards
