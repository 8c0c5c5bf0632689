"""The suggestions queue (推荐审核): filter by need, field, district, score band and age;
approve or reject one pair or many at once with one reason.

One queryset feeds the header count, the rows and the pages, so the number above the list is
the number of rows the list holds. A need's page loads the same queue, narrowed to the need,
as an htmx fragment (the registers may not import matching).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.models import User
from matching.lists.bands import HIGH, MEDIUM
from matching.lists.explain import explanation_summary
from matching.models import Match
from matching.pairs import scoping
from matching.pairs import selectors as sel
from matching.pairs import services as workflow
from matching.pairs.forms import BulkForm, QueueFilterForm, RejectForm
from portal.filters import clean_querystring, has_empty_parameters, region_picker

PAGE_SIZE = 25
# Score bounds of each band: [floor, ceiling).
BAND_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "high": (HIGH, None),
    "medium": (MEDIUM, HIGH),
    "medium_up": (MEDIUM, None),
    "low": (None, MEDIUM),
}


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if scoping.jurisdiction_of(user) is None:
        raise PermissionDenied
    return user


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def review_queue_filtered(*, user: User, data: dict[str, Any]) -> QuerySet[Match]:
    """The staff's suggestions queue narrowed by the cleaned filter form ``data``: need (an id
    or words of its title), field, region (a division code), score band, age and direction.
    Best-placed first, as :func:`selectors.match_review_queue` orders them."""
    qs = sel.match_review_queue(
        user=user,
        field=data.get("field") or "",
        region=data.get("region_prefix") or "",
        direction=data.get("direction") or "",
    )
    need = (data.get("need") or "").strip()
    if need:
        # An id is a short run of ASCII digits; anything else searches the titles.
        is_id = need.isascii() and need.isdigit() and len(need) <= 9
        qs = qs.filter(Q(need_id=int(need)) if is_id else Q(need__title__icontains=need))
    floor, ceiling = BAND_BOUNDS.get(data.get("band") or "", (None, None))
    if floor is not None:
        qs = qs.filter(score__gte=floor)
    if ceiling is not None:
        qs = qs.filter(score__lt=ceiling)
    now = timezone.now()
    age = data.get("age") or ""
    if age.isdigit():
        qs = qs.filter(created_at__gte=now - dt.timedelta(days=int(age)))
    elif age.startswith("gt") and age[2:].isdigit():
        qs = qs.filter(created_at__lt=now - dt.timedelta(days=int(age[2:])))
    return qs


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_queue(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    fragment = request.headers.get("HX-Request") == "true"
    order = [*QueueFilterForm.base_fields, "page"]
    if not fragment and has_empty_parameters(request.GET):
        clean = clean_querystring(request.GET, order)
        target = reverse("matching:review-queue")
        return redirect(f"{target}?{clean}" if clean else target)
    filters = QueueFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    if request.GET and not filters.is_valid():
        qs = Match.objects.none()
    else:
        qs = review_queue_filtered(user=user, data=data)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    sel.pair_people_load(rows)
    for match in rows:
        match.summary = explanation_summary(match.explanation)  # type: ignore[attr-defined]
    # Links (pages) carry the filters in one order, so the same list has the same link.
    query = QueryDict(clean_querystring(request.GET, order), mutable=True)
    query.pop("page", None)
    context = {
        "filters": filters,
        "region_levels": region_picker(data.get("region") or "", root=user.jurisdiction or ""),
        "filtered": bool(query),
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "reject_form": RejectForm(),
        "bulk_form": BulkForm(),
        # The same queryset as the rows: the header is the number of rows the list holds.
        "total": page.paginator.count,
        "need_id": data.get("need") if fragment else "",
        # Where a decision returns: this page, or the need's page that loaded the fragment.
        "back_url": request.headers.get("HX-Current-URL", "")
        if fragment
        else request.get_full_path(),
    }
    if fragment:
        return render(request, "matching/partials/review_need.html", context)
    return render(request, "matching/review_queue.html", context)


@login_required
@require_POST
def match_bulk_view(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请先勾选要处理的推荐。"))
        return _back(request, reverse("matching:review-queue"))
    data = form.cleaned_data
    try:
        outcome = workflow.match_bulk_decide(
            match_ids=data["ids"],
            user=user,
            approve=data["action"] == "approve",
            reason_code=data["reason_code"],
            reason_text=data["reason_text"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        done = _("已批准") if data["action"] == "approve" else _("已否决")
        text = _("%(done)s %(changed)s 条。") % {"done": done, "changed": outcome.changed}
        if outcome.unchanged:
            text += _("%(n)s 条此前已处理。") % {"n": outcome.unchanged}
        if outcome.refused:
            text += _("%(n)s 条不在您的辖区，未处理。") % {"n": outcome.refused}
        messages.success(request, text)
    return _back(request, reverse("matching:review-queue"))
