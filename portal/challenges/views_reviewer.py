"""The reviewers' pages: my assignments with the entries to review, and one entry's review
page (the proposal and its units, a score per criterion, and — once the reviewer has
submitted — the other reviewers' scores with outliers flagged). A reviewer declares a
conflict of interest (回避) with a unit here.

Blindness is the services': :func:`portal.challenges.reviews.reviews_visible_to` decides
which reviews a user sees; an entry opens only if
:func:`portal.challenges.selectors.entry_list_visible_to` lists it for the user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organization
from portal.challenges import reviews, selectors
from portal.challenges.forms import ConflictForm, ReviewForm
from portal.challenges.models import Conflict, Entry, Review, Reviewer, Stage
from portal.challenges.services import can_manage
from portal.challenges.views_entries import assignment_for, attachments_of, entry_for

if TYPE_CHECKING:
    from accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        user: User


E = Entry.Status
UNDER_REVIEW_EXCLUDED = (E.DRAFT, E.CONFIRMING, E.WITHDRAWN)


def _units(entries: list[Entry]) -> list[Organization]:
    ids = {e.lead_id for e in entries}
    for entry in entries:
        ids |= {m.organization_id for m in entry.members.all()}
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


def _assignment_rows(user: User) -> list[dict[str, Any]]:
    rows = []
    assignments = selectors.assignments_of(user=user).order_by(
        "-stage__programme__entry_deadline", "stage__order", "challenge_id", "id"
    )
    for assignment in assignments:
        programme = assignment.stage.programme
        qs = (
            selectors.entry_list_visible_to(user=user, programme=programme)
            .filter(stage=assignment.stage)
            .exclude(status__in=UNDER_REVIEW_EXCLUDED)
            .prefetch_related("members")
            .order_by("id")
        )
        if assignment.challenge_id:
            qs = qs.filter(challenge_id=assignment.challenge_id)
        entries = list(qs)
        done = set(
            Review.objects.filter(
                reviewer=assignment, submitted_at__isnull=False, entry__in=entries
            ).values_list("entry_id", flat=True)
        )
        rows.append(
            {
                "assignment": assignment,
                "programme": programme,
                "entries": [
                    {
                        "entry": e,
                        "reviewed": e.pk in done,
                        "conflicts": reviews.conflict_reasons(user, [e]),
                    }
                    for e in entries
                ],
                "done": len(done),
            }
        )
    return rows


@login_required
@require_GET
def assignments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My review assignments, each with its entries and which I have reviewed."""
    user = request.user
    rows = _assignment_rows(user)
    entries = [item["entry"] for row in rows for item in row["entries"]]
    context = {
        "rows": rows,
        "conflict_form": ConflictForm(organizations=_units(entries)) if entries else None,
        "declared": list(
            Conflict.objects.filter(user=user).select_related("organization").order_by("id")
        ),
    }
    return render(request, "challenges/reviews.html", context)


def _review_rows(user: User, visible: list[Review], manages: bool) -> list[dict[str, Any]]:
    """The visible reviews for the table: the viewer's own first; the others as 评审专家
    A, B… to fellow reviewers (staff see the names)."""
    rows = []
    letter = 0
    for review in sorted(visible, key=lambda r: (r.reviewer.user_id != user.pk, r.pk)):
        own = review.reviewer.user_id == user.pk
        if own:
            name = _("我的评分")
        elif manages:
            name = str(review.reviewer.user)
        else:
            name = _("评审专家 %(x)s") % {"x": chr(ord("A") + letter % 26)}
            letter += 1
        rows.append({"review": review, "name": name, "own": own})
    return rows


def _review_context(
    request: AuthenticatedHttpRequest, entry: Entry, form: ReviewForm | None
) -> dict[str, Any]:
    user = request.user
    manages = can_manage(user, entry.programme)
    assignment = assignment_for(user, entry)
    stage = entry.stage
    criteria = list(stage.criteria.all()) if stage is not None else []
    own = Review.objects.filter(reviewer=assignment, entry=entry).first() if assignment else None
    conflicts = reviews.conflict_reasons(user, [entry])
    can_score = (
        assignment is not None
        and stage is not None
        and stage.status != Stage.Status.CLOSED
        and entry.counts
        and not conflicts
    )
    if form is None and can_score:
        initial: dict[str, Any] = {"comment": own.comment if own else ""}
        if own is not None:
            initial.update({f"c{k}": v for k, v in own.scores.items()})
        form = ReviewForm(criteria=criteria, initial=initial)
    # This stage's reviews (the columns are its criteria). The service lets a reviewer who
    # scored the entry in an earlier stage see this stage's reviews before scoring it; the
    # page shows them only once the viewer has submitted in this stage too.
    submitted_here = own is not None and own.submitted_at is not None
    visible = [
        r
        for r in reviews.reviews_visible_to(user=user, entry=entry)
        if r.reviewer.stage_id == entry.stage_id and (manages or submitted_here)
    ]
    score_columns = [(str(c.pk), c) for c in criteria]
    rows = _review_rows(user, visible, manages)
    for row in rows:
        scores = row["review"].scores or {}
        row["scores"] = [scores.get(key, "—") for key, _c in score_columns]
    return {
        "entry": entry,
        "programme": entry.programme,
        "members": list(entry.members.all()),
        "attachments": attachments_of(entry),
        "stage": stage,
        "criteria": criteria,
        "assignment": assignment,
        "own": own,
        "form": form if can_score or form is not None else None,
        "conflicts": conflicts,
        "rows": rows,
        "score": reviews.entry_score(entry) if rows else None,
        "can_manage": manages,
        "conflict_form": ConflictForm(organizations=_units([entry]), initial={"entry": entry.pk})
        if assignment is not None
        else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest, eid: int) -> HttpResponse:
    """Score an entry (assigned reviewers), or read its reviews (managing staff)."""
    entry = entry_for(request, eid)
    user = request.user
    if assignment_for(user, entry) is None and not can_manage(user, entry.programme):
        raise Http404
    form = None
    if request.method == "POST":
        criteria = list(entry.stage.criteria.all()) if entry.stage is not None else []
        form = ReviewForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                reviews.review_submit(
                    user=user,
                    entry_id=entry.pk,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("评审意见已提交。"))
                return redirect("challenges:review", entry.pk)
    return render(request, "challenges/review.html", _review_context(request, entry, form))


@login_required
@require_POST
def conflict_declare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A reviewer declares a conflict of interest with a unit (回避)."""
    user = request.user
    if not Reviewer.objects.filter(user=user).exists():
        raise Http404
    form = ConflictForm(request.POST, organizations=[])
    back = reverse("challenges:reviews")
    if form.is_valid():
        entry_id = form.cleaned_data["entry"]
        if entry_id:
            back = reverse("challenges:review", args=[entry_id])
        try:
            reviews.conflict_declare(
                user=user,
                organization_id=form.cleaned_data["organization"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("回避声明已记录，您将不再评审该单位参与的项目。"))
    else:
        messages.error(request, _("请选择需要回避的单位。"))
    return redirect(back)
