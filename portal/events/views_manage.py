"""Staff pages of an event (对接会), first half: the event form, publishing and cancelling,
the dashboard, the venues and the needs and results the event publishes. The second half
(registrations, requests, schedule, outcomes) and the shared helpers are in
:mod:`portal.events.views_schedule`.

Only staff whose jurisdiction covers the event's region manage it (others 403; those who
cannot see a draft 404). Views parse with :mod:`portal.events.forms_manage`, call one
service and redirect to the section of the dashboard (POST-redirect-GET); a form the
service refused is shown again with its errors in Chinese, nothing saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import selectors as register_selectors
from portal.events import selectors, services
from portal.events.forms_manage import (
    AttachForm,
    CancelForm,
    EventForm,
    EventImportForm,
    PostingSearchForm,
    RoadshowForm,
    VenueForm,
)
from portal.events.models import Event, EventPosting, MeetingRequest, Venue, venue_order
from portal.events.views_schedule import (
    act,
    form_error_text,
    managed_event,
    schedule_context,
    to_section,
)
from portal.filters import POSTING_FILTERS
from portal.form_errors import form_add_service_errors
from portal.models import PostingStatus

if TYPE_CHECKING:
    from accounts.models import User
    from portal.events.views_schedule import AuthenticatedHttpRequest


SEARCH_LIMIT = 30
R = MeetingRequest.Status
STATUS_ORDER = (R.PENDING, R.ACCEPTED, R.DECLINED, R.EXPIRED, R.CANCELLED)


# ----------------------------------------------------------------------------------- event


def _event_form_page(request: HttpRequest, form: EventForm, event: Event | None) -> HttpResponse:
    return render(request, "events/manage_event_form.html", {"form": form, "event": event})


@login_required
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.jurisdiction is None:
        raise PermissionDenied(_("只有科技局工作人员可以创建对接会。"))
    form = EventForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                user=user, data=form.service_data(), field_ids=form.field_ids()
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("对接会已创建（筹备中）。请添加会场，然后发布。"))
            return to_section(event, "venues")
    return _event_form_page(request, form, None)


@login_required
def event_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    form = EventForm(request.POST or None, user=request.user, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(
                user=request.user,
                event=event,
                data=form.service_data(),
                field_ids=form.field_ids(),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("活动信息已保存，洽谈时段已按新设置更新。"))
            return to_section(event, "overview")
    return _event_form_page(request, form, event)


@login_required
@require_POST
def event_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)

    def publish() -> str:
        services.event_publish(user=request.user, event=event)
        return _("活动已发布，参会单位可以报名。")

    return act(request, event, "overview", publish)


@login_required
@require_POST
def event_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def cancel() -> str:
        services.event_cancel(user=request.user, event=event, reason=reason)
        return _("活动已取消，已通知报名单位。")

    return act(request, event, "overview", cancel)


# ------------------------------------------------------------------------------- dashboard


def _posting_rows(event: Event, user: User) -> list[EventPosting]:
    groups = selectors.event_postings_visible(event=event, user=user)
    rows = [row for group in groups.values() for row in group]
    return sorted(rows, key=lambda r: (r.roadshow_order is None, r.roadshow_order or 0, r.pk))


def _search_context(request: HttpRequest, event: Event, user: User) -> dict[str, Any]:
    """The "add from the registers" search: published needs or results not yet attached,
    filtered by the registers' own filters (keyword, field, region)."""
    search = PostingSearchForm(request.GET or None)
    kind = search.register
    attached = event.postings.filter(**{f"{kind}__isnull": False}).values(f"{kind}_id")
    qs = (
        register_selectors.posting_list_visible_to(kind=kind, user=user)
        .filter(status=PostingStatus.PUBLISHED)
        .exclude(pk__in=attached)
    )
    filterset = POSTING_FILTERS[kind](request.GET, queryset=qs, request=request)
    results = None
    if "kind" in request.GET:
        results = list(filterset.qs[:SEARCH_LIMIT]) if filterset.is_valid() else []
    return {
        "search_form": search,
        "search_filter": filterset.form,
        "search_kind": kind,
        "search_results": results,
    }


def _requests_by_status(rows: list[MeetingRequest]) -> list[tuple[str, list[MeetingRequest]]]:
    return [
        (str(R(status).label), [r for r in rows if r.status == status])
        for status in STATUS_ORDER
        if any(r.status == status for r in rows)
    ]


def _dashboard(request: AuthenticatedHttpRequest, event: Event, **forms: Any) -> HttpResponse:
    user = request.user
    request_rows = list(selectors.request_list_for(event=event, user=user))
    context = {
        "event": event,
        "cancel_form": CancelForm(),
        "venues": event.venues.order_by(venue_order(), "pk"),
        "venue_form": VenueForm(),
        "posting_rows": _posting_rows(event, user),
        "import_form": EventImportForm(),
        "import_report": None,
        "registrations": selectors.registration_list_for(event=event, user=user),
        "proposals": [r for r in request_rows if r.status == R.PROPOSED],
        "request_groups": _requests_by_status(request_rows),
        "stats": selectors.event_stats(event=event),
        **_search_context(request, event, user),
        **schedule_context(event, user, request_rows, pin=request.GET.get("pin", "")),
        **forms,
    }
    return render(request, "events/manage.html", context)


@login_required
@require_GET
def manage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, managed_event(request, pk))


# ---------------------------------------------------------------------------------- venues


@login_required
@require_POST
def venue_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    form = VenueForm(request.POST)
    if form.is_valid():
        try:
            venue = services.venue_save(user=request.user, event=event, data=form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加%(venue)s。") % {"venue": venue})
            return to_section(event, "venues")
    messages.error(request, _("会场未保存，请按提示修改。"))
    return _dashboard(request, event, venue_form=form)


@login_required
def venue_edit(request: AuthenticatedHttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    venue = get_object_or_404(Venue, pk=venue_pk, event=event)
    form = VenueForm(request.POST or None, venue=venue)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_save(user=request.user, event=event, venue=venue, data=form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("会场已保存。"))
            return to_section(event, "venues")
    return render(
        request, "events/manage_venue_form.html", {"form": form, "event": event, "venue": venue}
    )


@login_required
@require_POST
def venue_delete(request: AuthenticatedHttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    venue = get_object_or_404(Venue, pk=venue_pk, event=event)

    def delete() -> str:
        services.venue_delete(user=request.user, venue=venue)
        return _("已删除会场“%(name)s”。") % {"name": venue.name}

    return act(request, event, "venues", delete)


# -------------------------------------------------------------------------------- postings


@login_required
@require_POST
def postings_attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = managed_event(request, pk)
    form = AttachForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if not (data.get("need_ids") or data.get("result_ids")):
        messages.error(request, _("请先勾选要加入的需求或成果。"))
        return to_section(event, "postings")

    def attach() -> str:
        count = services.postings_attach(
            user=request.user,
            event=event,
            need_ids=data["need_ids"],
            result_ids=data["result_ids"],
        )
        return _("已加入 %(n)s 项（已在本活动中的不会重复加入）。") % {"n": count}

    return act(request, event, "postings", attach)


@login_required
@require_POST
def postings_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save the roadshow order, or take the ticked rows off the event."""
    event = managed_event(request, pk)
    form = RoadshowForm(request.POST, rows=event.postings.all())
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return to_section(event, "postings")
    if form.cleaned_data["action"] == "detach":
        ids = form.cleaned_data["detach"]
        if not ids:
            messages.error(request, _("请先勾选要移出的项目。"))
            return to_section(event, "postings")

        def detach() -> str:
            count = services.postings_detach(user=request.user, event=event, ids=ids)
            return _("已从本活动移出 %(n)s 项（需求或成果本身不受影响）。") % {"n": count}

        return act(request, event, "postings", detach)

    def order() -> str:
        services.roadshow_order_set(user=request.user, event=event, ordered_ids=form.ordered_ids())
        return _("路演顺序已保存。")

    return act(request, event, "postings", order)


@login_required
@require_POST
def postings_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """New needs or results from a spreadsheet, through the registers' import: they enter
    review and join the event; a file with errors saves nothing and its rows are listed."""
    event = managed_event(request, pk)
    form = EventImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.postings_import(
                user=request.user,
                event=event,
                kind=form.cleaned_data["kind"],
                name=upload.name,
                content=upload.read(),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if report.ok:
                messages.success(
                    request,
                    _("已导入 %(n)s 条并加入本活动；它们已进入待审核，审核发布后在活动页面公开。")
                    % {"n": report.created},
                )
                return to_section(event, "postings")
    messages.error(request, _("导入未完成，未保存任何数据，请查看“发布项目”中的校验报告。"))
    return _dashboard(request, event, import_form=form, import_report=report)
