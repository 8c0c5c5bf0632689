"""Staff pages of challenge lists and competitions, second half: review (reviewers, scores,
winners, stage cuts), publicity (objections) and delivery (contracts, milestones,
follow-up), as the manage page's sections and the actions they post to. Also the helpers
both halves share (who may manage, the redirect back to a section).

Each action fetches the programme through the scoped selector (outsiders who cannot see it
get 404, others who may not manage it 403), calls one service, and redirects to its section
with a message in Chinese; a ``ValidationError`` becomes that message and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, User
from matching.models import MatchStatus
from portal.challenges import awards, reviews, selectors, services
from portal.challenges.forms_manage import (
    FollowUpForm,
    MilestoneForm,
    ObjectionForm,
    ReviewerForm,
    SignForm,
    StageCloseForm,
    WinnerForm,
)
from portal.challenges.models import Challenge, Entry, Milestone, Programme, Review, Stage
from portal.form_errors import flash_outcome, form_error_text
from portal.models import Expert, PostingStatus

if TYPE_CHECKING:

    class AuthenticatedHttpRequest(HttpRequest):
        user: User


E = Entry.Status
P = Programme.Status
SIGNED = (MatchStatus.SIGNED, MatchStatus.LANDED)


# -------------------------------------------------------------------------------- helpers


def managed_programme(request: AuthenticatedHttpRequest, pk: int) -> Programme:
    """The programme if the user may manage it: 404 if they cannot even see it, else 403."""
    user = request.user
    programme = get_object_or_404(selectors.programme_list_visible_to(user=user), pk=pk)
    services.require_manager(user, programme)
    return programme


def to_section(programme: Programme, anchor: str) -> HttpResponse:
    return redirect(reverse("challenges:manage", args=[programme.pk]) + f"#{anchor}")


def act(
    request: HttpRequest, programme: Programme, anchor: str, action: Callable[[], str]
) -> HttpResponse:
    """Run one service call; its success text or its errors become the message."""
    flash_outcome(request, action)
    return to_section(programme, anchor)


def act_on_form(
    request: HttpRequest,
    programme: Programme,
    anchor: str,
    form: Any,
    action: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """``act`` with the form's cleaned data; a form that does not parse says why."""
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return to_section(programme, anchor)
    return act(request, programme, anchor, lambda: action(form.cleaned_data))


# ------------------------------------------------------------------ the page's sections


def reviewer_choices(user: User) -> tuple[list[User], list[Expert]]:
    """Staff of the manager's jurisdiction, and the register's experts with an account."""
    prefix = user.jurisdiction or ""
    staff = User.objects.filter(
        memberships__role=Membership.Role.STAFF,
        memberships__organization__region_code__startswith=prefix,
        is_active=True,
    ).distinct()
    experts = Expert.objects.filter(
        status=PostingStatus.PUBLISHED, user__isnull=False
    ).select_related("organization")
    return list(staff.order_by("username")), list(experts.order_by("name"))


def _score(entry: Entry, stage: Stage, shown: list[Review]) -> Decimal | None:
    """The entry's average in this stage: the service's for its current stage; for a stage
    it has left, the mean of that stage's review totals (what ``entry_score`` was then)."""
    if entry.stage_id == stage.pk:
        return reviews.entry_score(entry)
    totals = [r.total for r in shown if r.total is not None]
    if not totals:
        return None
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))


def _rows(user: User, stage: Stage, entries: list[Entry]) -> list[dict[str, Any]]:
    rows = []
    for entry in entries:
        shown = [
            r
            for r in reviews.reviews_visible_to(user=user, entry=entry)
            if r.reviewer.stage_id == stage.pk
        ]
        current = entry.counts and entry.stage_id == stage.pk
        rows.append(
            {
                "entry": entry,
                "score": _score(entry, stage, shown),
                "reviews": shown,
                # The service's own count of assigned reviewers yet to submit.
                "missing": reviews._missing_reviews(stage, [entry]) if current else 0,
            }
        )
    return rows


def review_context(programme: Programme, user: User, challenges: list[Challenge]) -> dict[str, Any]:
    """Per stage: its criteria, reviewers and assign form, and its blocks (one per
    challenge on a list, with the winner form; the whole stage in a competition, with the
    close form), each with its entries, their reviews, scores and missing reviews."""
    staff, experts = reviewer_choices(user)
    entries = list(
        selectors.entry_list_visible_to(user=user, programme=programme)
        .exclude(status__in=(E.DRAFT, E.WITHDRAWN))
        .order_by("group", "challenge", "pk")
    )
    deciding = programme.status in (P.OPEN, P.REVIEWING)
    stages = []
    all_stages = list(programme.stages.prefetch_related("criteria"))
    # A competition reviews one stage at a time: the first one not closed.
    current = next((s for s in all_stages if s.status != Stage.Status.CLOSED), None)
    for stage in all_stages:
        assigned = list(
            stage.reviewers.select_related("user", "expert", "challenge").order_by("pk")
        )
        blocks: list[dict[str, Any]] = []
        if programme.is_competition:
            reviewed = set(
                Review.objects.filter(reviewer__stage=stage).values_list("entry_id", flat=True)
            )
            mine = [e for e in entries if e.stage_id == stage.pk or e.pk in reviewed]
            blocks.append(
                {
                    "challenge": None,
                    "reviewers": assigned,
                    "rows": _rows(user, stage, mine),
                    "close_form": StageCloseForm(stage=stage) if stage == current else None,
                }
            )
        else:
            for challenge in challenges:
                mine = [e for e in entries if e.challenge_id == challenge.pk]
                counted = [e for e in mine if e.counts]
                blocks.append(
                    {
                        "challenge": challenge,
                        "reviewers": [r for r in assigned if r.challenge_id == challenge.pk],
                        "rows": _rows(user, stage, mine),
                        "winner_form": WinnerForm(challenge=challenge, entries=counted)
                        if deciding
                        else None,
                    }
                )
        for block in blocks:
            block["missing"] = sum(row["missing"] for row in block["rows"])
        stages.append(
            {
                "stage": stage,
                "current": stage == current,
                "criteria": list(stage.criteria.all()),
                "reviewer_form": ReviewerForm(
                    stage=stage, staff=staff, experts=experts, challenges=challenges
                ),
                "blocks": blocks,
            }
        )
    objections = list(programme.objections.select_related("entry", "filed_by", "handled_by"))
    for objection in objections:
        if not objection.handling:
            objection.form = ObjectionForm(objection=objection)  # type: ignore[attr-defined]
    return {
        "review_stages": stages,
        "objections": objections,
        "open_objections": sum(1 for o in objections if not o.handling),
    }


def delivery_context(programme: Programme, user: User) -> dict[str, Any]:
    """Awarded bids with their pair, contract and milestones; competition winners with
    their follow-up."""
    visible = selectors.entry_list_visible_to(user=user, programme=programme)
    awarded = []
    if not programme.is_competition:
        for entry in visible.filter(status=E.AWARDED).select_related("match"):
            milestones = list(entry.milestones.all())
            for milestone in milestones:
                if milestone.done_at is None:
                    milestone.form = MilestoneForm(  # type: ignore[attr-defined]
                        milestone_pk=milestone.pk, initial={"done_at": timezone.localdate()}
                    )
            signed = entry.match is not None and entry.match.status in SIGNED
            awarded.append(
                {
                    "entry": entry,
                    "pair_url": reverse("matching:match-detail", args=[entry.match_id])
                    if entry.match_id
                    else "",
                    "sign_form": None if signed else SignForm(entry=entry),
                    "milestones": milestones,
                }
            )
    winners = []
    if programme.is_competition:
        for entry in visible.filter(status__in=(E.SELECTED, E.AWARDED)).order_by(
            "group", "rank", "pk"
        ):
            winners.append({"entry": entry, "form": FollowUpForm(entry=entry)})
    return {"awarded": awarded, "winners": winners}


# -------------------------------------------------------------------------------- review


@login_required
@require_POST
def reviewer_assign(request: AuthenticatedHttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    stage = get_object_or_404(programme.stages, pk=stage_pk)
    staff, experts = reviewer_choices(request.user)
    form = ReviewerForm(
        request.POST,
        stage=stage,
        staff=staff,
        experts=experts,
        challenges=programme.challenges.all(),
    )

    def assign(data: dict[str, Any]) -> str:
        reviewer = reviews.reviewer_assign(
            user=request.user,
            stage=stage,
            reviewer_id=data["reviewer"],
            expert_id=data["expert"],
            challenge_id=data.get("challenge"),
        )
        return _("已分配评审人：%(who)s。") % {"who": reviewer.user}

    challenge_id = request.POST.get("challenge", "")
    anchor = f"challenge-review-{challenge_id}" if challenge_id.isdigit() else f"stage-{stage.pk}"
    return act_on_form(request, programme, anchor, form, assign)


@login_required
@require_POST
def winner_select(request: AuthenticatedHttpRequest, pk: int, challenge_pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    challenge = get_object_or_404(programme.challenges, pk=challenge_pk)
    counted = [e for e in challenge.entries.all() if e.counts]
    form = WinnerForm(request.POST, challenge=challenge, entries=counted)

    def select(data: dict[str, Any]) -> str:
        entry_id = form.entry_id()
        reviews.winner_select(
            user=request.user,
            challenge=challenge,
            entry_id=entry_id,
            reason=data["reason"],
            override_reason=data["override_reason"],
        )
        if entry_id is None:
            return _("已评定“%(c)s”不产生揭榜方。") % {"c": challenge}
        return _("已评定“%(c)s”的拟揭榜方，公示后确定。") % {"c": challenge}

    return act_on_form(request, programme, f"challenge-review-{challenge.pk}", form, select)


@login_required
@require_POST
def stage_close(request: AuthenticatedHttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    stage = get_object_or_404(programme.stages, pk=stage_pk)
    form = StageCloseForm(request.POST, stage=stage)

    def close(data: dict[str, Any]) -> str:
        kept = reviews.stage_close(
            user=request.user,
            stage=stage,
            override_reason=data["override_reason"],
            reason=data["reason"],
        )
        return _("“%(s)s”已结束，%(n)s 个项目晋级或入选。") % {"s": stage.name, "n": len(kept)}

    return act_on_form(request, programme, f"stage-{stage.pk}", form, close)


# ----------------------------------------------------------------------------- publicity


@login_required
@require_POST
def objection_handle(request: AuthenticatedHttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    objection = get_object_or_404(programme.objections, pk=objection_pk)
    form = ObjectionForm(request.POST, objection=objection)

    def handle(data: dict[str, Any]) -> str:
        done = awards.objection_handle(
            user=request.user,
            objection_id=objection.pk,
            handling=data["handling"],
            note=data["note"],
        )
        return _("异议已处理：%(h)s。") % {"h": done.get_handling_display()}

    return act_on_form(request, programme, "publicity", form, handle)


# ------------------------------------------------------------------------------ delivery


def _programme_entry(programme: Programme, entry_pk: int) -> Entry:
    return get_object_or_404(programme.entries, pk=entry_pk)


@login_required
@require_POST
def award_sign(request: AuthenticatedHttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    entry = _programme_entry(programme, entry_pk)
    form = SignForm(request.POST, entry=entry)

    def sign(data: dict[str, Any]) -> str:
        awards.award_sign(
            user=request.user,
            entry_id=entry.pk,
            contract_amount=data["contract_amount"],
            contract_date=data["contract_date"],
        )
        return _("已登记签约，对接配对进入“已签约”。")

    return act_on_form(request, programme, f"award-{entry.pk}", form, sign)


@login_required
@require_POST
def milestone_complete(
    request: AuthenticatedHttpRequest, pk: int, milestone_pk: int
) -> HttpResponse:
    programme = managed_programme(request, pk)
    milestone = get_object_or_404(
        Milestone.objects.filter(entry__programme=programme), pk=milestone_pk
    )
    form = MilestoneForm(request.POST, milestone_pk=milestone.pk)

    def complete(data: dict[str, Any]) -> str:
        done = awards.milestone_complete(
            user=request.user, milestone_id=milestone.pk, done_at=data["done_at"], note=data["note"]
        )
        return _("已登记“%(m)s”完成。") % {"m": done.get_kind_display()}

    return act_on_form(request, programme, f"award-{milestone.entry_id}", form, complete)


@login_required
@require_POST
def follow_up_flag(request: AuthenticatedHttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    entry = _programme_entry(programme, entry_pk)
    form = FollowUpForm(request.POST, entry=entry)

    def flag(data: dict[str, Any]) -> str:
        awards.follow_up_flag(user=request.user, entry_id=entry.pk, due=data["due"])
        return _("已列入跟踪服务，%(d)s 起出现在待办事项中。") % {
            "d": data["due"].strftime("%Y-%m-%d")
        }

    return act_on_form(request, programme, "delivery", form, flag)
