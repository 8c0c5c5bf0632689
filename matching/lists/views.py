"""Browser pages of the matching engine: rematch progress (staff) and recommendations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from matching.lists import selectors
from matching.lists import services
from matching.lists.explain import explanation_summary
from matching.models import Match, MatchDirection, MatchStatus, RematchJob
from portal.access import hidden_fields

DIRECTION_TITLES: dict[str, Any] = {
    MatchDirection.NEED_RESULT: gettext_lazy("推荐成果"),
    MatchDirection.NEED_EXPERT: gettext_lazy("推荐专家"),
    MatchDirection.RESULT_NEED: gettext_lazy("匹配需求"),
    MatchDirection.EXPERT_NEED: gettext_lazy("匹配需求"),
}


def _staff(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_bureau_staff:
        raise PermissionDenied
    return user


@login_required
@require_GET
def rematch_status(request: HttpRequest) -> HttpResponse:
    _staff(request)
    context = {
        "job": selectors.rematch_job_latest(),
        "jobs": RematchJob.objects.all()[:10],
    }
    return render(request, "matching/rematch_status.html", context)


@login_required
@require_GET
def rematch_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar partial; htmx polls it until the job finishes."""
    _staff(request)
    job = get_object_or_404(RematchJob, pk=job_id)
    return render(request, "matching/rematch_progress.html", {"job": job})


@login_required
@require_POST
def rematch_start(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    job = services.rematch_all_start(requested_by=user)
    messages.success(request, _("全量重新匹配已开始（任务 #%(id)s）。") % {"id": job.pk})
    return redirect("matching:rematch")


def _detail_url(target_kind: str, pk: int) -> str:
    try:
        return reverse(f"registers:{target_kind}-detail", args=[pk])
    except NoReverseMatch:
        return ""


def _counterpart_row(match: Match, user: User, target_kind: str) -> dict[str, Any]:
    other = match.counterpart
    hidden = hidden_fields(user, other) if other is not None else frozenset()
    organization = getattr(other, "organization", None)
    return {
        "match": match,
        "other": other,
        "url": _detail_url(target_kind, other.pk) if other is not None else "",
        "organization": None if "organization" in hidden else organization,
        "explanation": explanation_summary(match.explanation),
    }


@login_required
@require_GET
def recommendations(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Top matches of one posting with score and explanation (htmx partial, or a page)."""
    user: User = request.user  # type: ignore[assignment]
    posting = selectors.posting_for_recommendations(user=user, kind=kind, pk=pk)
    k = services.top_k()
    groups = []
    for direction, target_kind in services.TARGETS[kind]:
        rows = selectors.match_list_for_document(user=user, kind=kind, pk=pk).filter(
            direction=direction
        )[:k]
        groups.append(
            {
                "direction": direction,
                "title": DIRECTION_TITLES[direction],
                "rows": [_counterpart_row(m, user, target_kind) for m in rows],
            }
        )
    context = {
        "posting": posting,
        "kind": kind,
        "groups": groups,
        "suggested": MatchStatus.SUGGESTED,
        "is_staff": user.is_bureau_staff,
    }
    template = (
        "matching/recommendations_for.html"
        if getattr(request, "htmx", False)
        else "matching/recommendations_page.html"
    )
    return render(request, template, context)
