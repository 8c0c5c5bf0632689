"""The home page: the landing page for visitors, each role's to-do groups (工作台) for
whoever is logged in; and the list behind the staff's idle-pair counts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from matching.pairs import scoping
from portal import views as site_views
from portal.workbench import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return site_views.home(request)
    user: User = request.user  # type: ignore[assignment]
    groups = selectors.workbench_for(user=user)
    return render(
        request,
        "workbench/home.html",
        {
            "groups": groups,
            "is_staff_home": scoping.jurisdiction_of(user) is not None,
            "todo_total": sum(g.count for g in groups if not g.is_summary),
        },
    )


@login_required
@require_GET
def idle_pairs(request: HttpRequest) -> HttpResponse:
    """Open pairs of the jurisdiction idle for 30–59, 60–89 or 90+ days."""
    user: User = request.user  # type: ignore[assignment]
    if scoping.jurisdiction_of(user) is None:
        raise PermissionDenied
    try:
        band = int(request.GET.get("band", selectors.IDLE_BANDS[0]))
    except ValueError:
        band = selectors.IDLE_BANDS[0]
    if band not in selectors.IDLE_BANDS:
        band = selectors.IDLE_BANDS[0]
    page = Paginator(selectors.idle_pairs(user=user, band=band), 25).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for match in page:
        match.idle_days = (now - match.case.last_activity_at).days  # type: ignore[attr-defined]
    return render(
        request,
        "workbench/idle_pairs.html",
        {"page": page, "band": band, "bands": selectors.IDLE_BANDS},
    )
