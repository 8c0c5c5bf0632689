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
from matching.lists import selectors, services
from matching.lists.explain import explanation_summary
from matching.models import MatchStatus, RematchJob
from matching.pairs.selectors import match_list_visible_to
from portal.access import hidden_fields
from portal.models import PostingStatus

LIST_TITLES: dict[str, Any] = {
    "result": gettext_lazy("推荐成果"),
    "expert": gettext_lazy("推荐专家"),
    "need": gettext_lazy("匹配需求"),
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


def _counterpart_row(row: selectors.ListRow, user: User) -> dict[str, Any]:
    other = row.other
    hidden = hidden_fields(user, other) if other is not None else frozenset()
    organization = getattr(other, "organization", None)
    url = ""
    if other is not None and (other.status == PostingStatus.PUBLISHED or user.is_bureau_staff):
        url = _detail_url(row.target_kind, other.pk)
    return {
        "match": row.match,
        "rank": row.rank,
        "other": other,
        "url": url,
        "organization": None if "organization" in hidden else organization,
        "explanation": explanation_summary(row.match.explanation),
    }


@login_required
@require_GET
def recommendations(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A posting's lists: staff see the engine's ranking with scores and reasons; owners
    see the pairs staff took up, with their stage (htmx partial, or a page)."""
    user: User = request.user  # type: ignore[assignment]
    posting = selectors.posting_for_recommendations(user=user, kind=kind, pk=pk)
    lists = selectors.list_rows_for_document(user=user, kind=kind, pk=pk, limit=services.top_k())
    groups = [
        {
            "target": target,
            "title": LIST_TITLES[target],
            "rows": [_counterpart_row(row, user) for row in lists.get(target, [])],
        }
        for target in services.TARGETS[kind]
    ]
    # A pair's stage links to its page only where this user may open it (an institute's
    # researcher sees its expert profiles' lists, but the pair belongs to the expert).
    ids = [row["match"].pk for group in groups for row in group["rows"]]
    openable = set(match_list_visible_to(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    for group in groups:
        for row in group["rows"]:
            row["pair_url"] = (
                reverse("matching:match-detail", args=[row["match"].pk])
                if row["match"].pk in openable
                else ""
            )
    context = {
        "posting": posting,
        "kind": kind,
        "groups": groups,
        "suggested": MatchStatus.SUGGESTED,
        "is_staff": user.is_bureau_staff,
        "show_scores": selectors.user_sees_scores(user=user),
    }
    template = (
        "matching/recommendations_for.html"
        if getattr(request, "htmx", False)
        else "matching/recommendations_page.html"
    )
    return render(request, template, context)
