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
from matching.engine import dedupe
from matching.lists import documents, rematch, selectors
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
    job = rematch.rematch_all_start(requested_by=user)
    messages.success(request, _("全量重新匹配已开始（任务 #%(id)s）。") % {"id": job.pk})
    return redirect("matching:rematch")


SIMILAR_LABELS: dict[str, Any] = {
    "result": gettext_lazy("相似成果"),
    "need": gettext_lazy("相似需求"),
}


def _owner(other: Any) -> Any:
    if other is None:
        return None
    if getattr(other, "organization_id", None):
        return ("org", other.organization_id)
    name = getattr(other, "institution_name", "") or ""
    return ("name", name) if name else None


def _folded(rows: list[dict[str, Any]], top: int, target: str) -> list[dict[str, Any]]:
    """Near-duplicates (same organisation, near-identical title) fold into the best-ranked
    one, which lists them under ``similar``; then the first ``top`` entries. Experts never
    fold: two people of one institute with like names are two people."""
    fold = target != "expert"
    items = [
        dedupe.Item(_owner(row["other"]) if fold else None, str(row["other"] or "")) for row in rows
    ]
    out = []
    for group in dedupe.groups(items):
        head = rows[group[0]]
        head["similar"] = [rows[i] for i in group[1:]]
        out.append(head)
    return out[:top]


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
    top = documents.top_k()
    # Twice the length, so a list still holds ``top`` entries once near-duplicates fold.
    lists = selectors.list_rows_for_document(user=user, kind=kind, pk=pk, limit=2 * top)
    groups = [
        {
            "target": target,
            "title": LIST_TITLES[target],
            "similar_label": SIMILAR_LABELS.get(target, ""),
            "rows": _folded(
                [_counterpart_row(row, user) for row in lists.get(target, [])], top, target
            ),
        }
        for target in documents.TARGETS[kind]
    ]
    # A pair's stage links to its page only where this user may open it (an institute's
    # researcher sees its expert profiles' lists, but the pair belongs to the expert).
    ids = [
        r["match"].pk for group in groups for row in group["rows"] for r in (row, *row["similar"])
    ]
    openable = set(match_list_visible_to(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    for group in groups:
        for head in group["rows"]:
            for row in (head, *head["similar"]):
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
