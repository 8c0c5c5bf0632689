"""Browser pages of the three registers. Each view takes the register ``kind`` from its URL.

The first line of each object view fetches through portal.access (outsiders 404, readers
who may not write 403); the view then calls a service and redirects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from portal import access, selectors
from portal.downloads import private_file
from portal.filters import (
    POSTING_FILTERS,
    clean_querystring,
    has_empty_parameters,
    region_children,
)
from portal.form_errors import form_add_service_errors
from portal.forms import POSTING_FORMS, ImportForm, PostingForm, RejectForm
from portal.models import Attachment
from portal.search import (
    capped_count,
    highlight,
    ranked_matches,
    related_queryset,
    snippet,
)
from portal.services import attachments as attachment_services
from portal.services import imports as import_services
from portal.services import postings as posting_services
from portal.services.completeness import need_completeness

if TYPE_CHECKING:
    from accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        """The request of a @login_required view: request.user is a signed-in User."""

        user: User


KIND_LABELS = {
    "need": gettext_lazy("技术需求"),
    "result": gettext_lazy("科技成果"),
    "expert": gettext_lazy("科技专家"),
}
MINE_LABELS = {
    "need": gettext_lazy("我的需求"),
    "result": gettext_lazy("我的成果"),
    "expert": gettext_lazy("我的专家档案"),
}
BODY_FIELD = {"need": "description", "result": "summary", "expert": "biography"}
PAGE_SIZE = 20


def _review_url(kind: str) -> str:
    return f"{reverse('registers:review-queue')}?kind={kind}"


def _safe_next(request: HttpRequest) -> HttpResponse | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return None


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _display_title(kind: str, posting: Any) -> str:
    return str(posting.name if kind == "expert" else posting.title)


def _kind_context(kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "mine_label": MINE_LABELS[kind],
        "urls": {
            name: f"registers:{kind}-{name.replace('_', '-')}"
            for name in (
                "list",
                "create",
                "mine",
                "export",
                "import",
                "import_template",
                "detail",
                "edit",
                "submit",
                "close",
                "confirm",
                "approve",
                "reject",
            )
        },
    }


def _decorate(kind: str, user: Any, items: list[Any], terms: list[str]) -> None:
    """Attach what the list template shows: highlighted title and excerpt, hidden fields."""
    for item in items:
        hidden = access.hidden_fields(user, item)
        item.hidden = hidden
        item.display_title = highlight(_display_title(kind, item), terms)
        body_field = BODY_FIELD[kind]
        body = "" if body_field in hidden else getattr(item, body_field)
        item.excerpt = snippet(body, terms)


def _filtered(request: HttpRequest, kind: str, qs: Any) -> tuple[Any, Any, list[str]]:
    filterset = POSTING_FILTERS[kind](request.GET or None, queryset=qs, request=request)
    if request.GET and not filterset.is_valid():
        return filterset, qs.none(), []
    return filterset, filterset.qs, filterset.terms


def _filter_order(kind: str) -> list[str]:
    """The order of a list's parameters in its links: the filter form's, then the page."""
    return [*POSTING_FILTERS[kind].base_filters, "page"]


RELATED_SHOWN = 10

# A list counts its rows only up to here and shows "超过 1,000 条" beyond: an exact count of
# a common word's matches reads every matching row (tens of thousands for 技术 over 100,000
# postings, 200–500 ms on PostgreSQL), while nobody pages past the fiftieth page.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator whose count stops at :data:`COUNT_CAP` (one ``COUNT(*)`` over a
    ``LIMIT COUNT_CAP + 1`` subquery), so the pages up to the cap keep working and the
    template says "超过" when there are more."""

    @cached_property
    def _counted(self) -> int:
        # A search's RankedMatches pages rows but counts through its queryset.
        rows: Any = getattr(self.object_list, "queryset", self.object_list)
        return capped_count(rows, COUNT_CAP)

    @cached_property
    def count(self) -> int:
        return min(self._counted, COUNT_CAP)

    @property
    def capped(self) -> bool:
        """More rows than the count shows."""
        return self._counted > COUNT_CAP


def _related(request: HttpRequest, kind: str, user: Any, found: int) -> tuple[list[Any], list[str]]:
    """When a search finds nothing: postings sharing part of the query (a sub-word or a
    synonym), under the other filters, for a separate 相关结果 list."""
    query = (request.GET.get("q") or "").strip()
    if found or not query:
        return [], []
    others = request.GET.copy()
    others.pop("q", None)
    others.pop("page", None)
    base = selectors.posting_list_visible_to(kind=kind, user=user)
    filterset = POSTING_FILTERS[kind](others or None, queryset=base, request=request)
    if others and not filterset.is_valid():
        return [], []
    rows, related_terms = related_queryset(filterset.qs, query)
    shown = list(rows[:RELATED_SHOWN])
    _decorate(kind, user, shown, related_terms)
    return shown, related_terms


@require_GET
def posting_list(request: HttpRequest, kind: str) -> HttpResponse:
    # A link with empty parameters redirects to its clean form (in the form's order).
    if has_empty_parameters(request.GET):
        clean = clean_querystring(request.GET, _filter_order(kind))
        target = reverse(f"registers:{kind}-list")
        return redirect(f"{target}?{clean}" if clean else target)
    user = _user(request)
    qs = selectors.posting_list_visible_to(kind=kind, user=user)
    filterset, qs, terms = _filtered(request, kind, qs)
    page = CappedPaginator(ranked_matches(qs, terms), PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(kind, user, list(page.object_list), terms)
    related, related_terms = _related(request, kind, user, page.paginator.count)
    query = QueryDict(clean_querystring(request.GET, _filter_order(kind)), mutable=True)
    query.pop("page", None)
    context = {
        **_kind_context(kind),
        "filter": filterset,
        "region_levels": filterset.region_levels,
        "filtered": bool(query),
        "page": page,
        "terms": terms,
        "related": related,
        "related_terms": related_terms,
        "querystring": query.urlencode(),
        "can_create": access.can_create(user, kind),
        "is_staff": bool(user and user.is_bureau_staff),
    }
    return render(request, f"portal/{kind}_list.html", context)


@require_GET
@cache_control(public=True, max_age=86400)
def region_tree(request: HttpRequest) -> JsonResponse:
    """The division table for the region pickers: each code's children as [code, name]
    ("" → the provinces). Static data, so browsers keep it for a day."""
    return JsonResponse(region_children(), json_dumps_params={"ensure_ascii": False})


@require_GET
def posting_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = _user(request)
    posting = access.get_posting_for_user(kind, user, pk)
    hidden = access.hidden_fields(user, posting)
    attachments = [] if "attachments" in hidden else list(posting.attachments.all())
    context = {
        **_kind_context(kind),
        "posting": posting,
        "hidden": hidden,
        "attachments": attachments,
        "can_write": access.can_write(user, posting),
        "can_review": access.can_review(user, posting),
        "reject_form": RejectForm(),
        "can_see_contact": access.can_see_contact(user, posting),
        # need_detail links the organisation; only where its page opens (a pending one: 404).
        "can_open_organization": kind == "need"
        and posting.organization is not None
        and "organization" not in hidden
        and access.can_open_organization(user, posting.organization),
    }
    return render(request, f"portal/{kind}_detail.html", context)


def _save_attachment(form: PostingForm, posting: Any, user: Any) -> None:
    upload = form.cleaned_data.get("attachment")
    if upload:
        attachment_services.attachment_add(posting=posting, by=user, upload=upload)


@login_required
def posting_create(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    user = request.user
    if not access.can_create(user, kind):
        raise PermissionDenied
    form_class = POSTING_FORMS[kind]
    form = form_class(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            with transaction.atomic():
                posting = posting_services.posting_create(
                    kind=kind,
                    by=user,
                    data=form.service_data(),
                    organization=form.cleaned_data.get("organization"),
                    submit=submit,
                )
                _save_attachment(form, posting, user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, _("已提交审核，审核通过后公开发布。") if submit else _("草稿已保存。")
            )
            return redirect(f"registers:{kind}-detail", pk=posting.pk)
    return render(
        request, f"portal/{kind}_form.html", {**_kind_context(kind), "form": form, "posting": None}
    )


@login_required
def posting_edit(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    posting = access.get_posting_for_user(kind, request.user, pk, write=True)
    form_class = POSTING_FORMS[kind]
    form = form_class(request.POST or None, request.FILES or None, instance=posting, user=None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                # The form changed the instance in memory; the service works on a fresh row.
                fresh = type(posting).objects.get(pk=posting.pk)
                updated = posting_services.posting_update(
                    posting=fresh,
                    by=request.user,
                    data=form.service_data(),
                )
                _save_attachment(form, updated, request.user)
                if request.POST.get("action") == "submit" and updated.status in (
                    posting_services.SUBMITTABLE_STATUSES
                ):
                    updated = posting_services.posting_submit(posting=updated, by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(f"registers:{kind}-detail", pk=posting.pk)
    attachments = list(posting.attachments.all())
    return render(
        request,
        f"portal/{kind}_form.html",
        {**_kind_context(kind), "form": form, "posting": posting, "attachments": attachments},
    )


def _action(
    request: AuthenticatedHttpRequest, kind: str, pk: int, service: Any, done: str
) -> HttpResponse:
    posting = access.get_posting_for_user(kind, request.user, pk, write=True)
    try:
        service(posting=posting, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(f"registers:{kind}-detail", pk=pk)


@login_required
@require_POST
def posting_submit(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    return _action(request, kind, pk, posting_services.posting_submit, _("已提交审核。"))


@login_required
@require_POST
def posting_close(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    return _action(request, kind, pk, posting_services.posting_close, _("已关闭。"))


@login_required
@require_POST
def posting_confirm(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    return _action(request, kind, pk, posting_services.posting_confirm, _("已确认信息仍然有效。"))


@login_required
@require_POST
def posting_approve(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    posting = access.get_posting_for_review(kind, request.user, pk)
    try:
        posting_services.posting_approve(posting=posting, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已审核通过并发布。"))
    return _safe_next(request) or redirect(_review_url(kind))


@login_required
def posting_reject(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    posting = access.get_posting_for_review(kind, request.user, pk)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            posting_services.posting_reject(
                posting=posting,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("已退回。"))
            return _safe_next(request) or redirect(_review_url(kind))
    return render(
        request,
        "portal/posting_reject.html",
        {**_kind_context(kind), "form": form, "posting": posting},
    )


@login_required
@require_GET
def posting_mine(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    user = request.user
    items = list(selectors.posting_list_owned_by(kind=kind, user=user))
    for item in items:
        item.display_title = _display_title(kind, item)
        # Colleagues' expert profiles are listed too; only their owner (or staff) edits them.
        item.can_write = access.can_write(user, item)
    # A user has one expert profile of their own; colleagues' profiles do not count.
    has_own_profile = kind == "expert" and any(item.user_id == user.pk for item in items)
    context = {
        **_kind_context(kind),
        "items": items,
        "can_create": access.can_create(user, kind)
        and (user.is_bureau_staff or not has_own_profile),
    }
    return render(request, f"portal/{kind}_mine.html", context)


def _require_staff(request: AuthenticatedHttpRequest) -> User:
    user = request.user
    if not user.is_bureau_staff:
        raise PermissionDenied
    return user


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@login_required
@require_GET
def posting_export(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    user = _require_staff(request)
    qs = selectors.posting_list_visible_to(kind=kind, user=user)
    _filterset, qs, _terms = _filtered(request, kind, qs)
    content = import_services.posting_export(kind=kind, queryset=qs, user=user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(content, f"{kind}s-{stamp}.xlsx")


@login_required
@require_GET
def posting_import_template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    _require_staff(request)
    return _xlsx_response(import_services.import_template(kind=kind), f"{kind}-template.xlsx")


@login_required
def posting_import(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    user = _require_staff(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = import_services.posting_import(
            kind=kind, by=user, name=upload.name, content=upload.read()
        )
        if report.ok:
            messages.success(
                request, _("导入成功：%(n)s 条，已进入待审核。") % {"n": report.created}
            )
            return redirect(_review_url(kind))
    context = {
        **_kind_context(kind),
        "form": form,
        "report": report,
        "columns": import_services.COLUMNS[kind],
    }
    return render(request, "portal/posting_import.html", context)


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Serve an attachment only to users who may see it on its posting."""
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    kind = attachment.content_type.model
    if kind not in selectors.POSTING_MODELS:
        raise PermissionDenied
    user = _user(request)
    posting = access.get_posting_for_user(kind, user, attachment.object_id)
    if "attachments" in access.hidden_fields(user, posting):
        raise PermissionDenied
    return private_file(attachment.file, attachment.original_name, attachment.mime_type)


@login_required
@require_POST
def attachment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    kind = attachment.content_type.model
    if kind not in selectors.POSTING_MODELS:
        raise PermissionDenied
    posting = access.get_posting_for_user(kind, request.user, attachment.object_id, write=True)
    attachment_services.attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, _("附件已删除。"))
    return redirect(f"registers:{kind}-edit", pk=posting.pk)


@login_required
@require_GET
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = _require_staff(request)
    kind = request.GET.get("kind", "need")
    if kind not in selectors.POSTING_MODELS:
        kind = "need"
    items = list(selectors.posting_list_pending_review(kind=kind, user=user)[:200])
    for item in items:
        item.display_title = _display_title(kind, item)
    sort = request.GET.get("sort", "")
    if kind == "need":
        for item in items:
            item.completeness = need_completeness(item)
        if sort in ("completeness", "-completeness"):
            # stable: equal scores keep the queue's oldest-first order
            items.sort(key=lambda i: i.completeness.score, reverse=sort.startswith("-"))
    context = {
        **_kind_context(kind),
        "items": items,
        "sort": sort if kind == "need" else "",
        "counts": selectors.review_counts(user=user),
        "kinds": [(k, KIND_LABELS[k]) for k in selectors.KINDS],
    }
    return render(request, "portal/review_queue.html", context)


@login_required
@require_POST
def review_bulk_approve(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = _require_staff(request)
    kind = request.POST.get("kind", "")
    if kind not in selectors.POSTING_MODELS:
        raise PermissionDenied
    pks = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    count = posting_services.posting_bulk_approve(kind=kind, pks=pks, by=user)
    messages.success(request, _("已批量审核通过 %(n)s 条。") % {"n": count})
    return redirect(_review_url(kind))


@login_required
@require_GET
def review_counts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The navigation badge (loaded with htmx): pending reviews in the staff's region."""
    user = _require_staff(request)
    counts = selectors.review_counts(user=user)
    return render(
        request,
        "portal/review_counts.html",
        {"total": sum(counts.values()), "counts": counts},
    )
