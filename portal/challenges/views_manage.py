"""Staff pages of challenge lists (揭榜挂帅) and competitions (创新创业大赛), first half: the
create form, the manage page of one programme (概况, 榜题, 评审, 公示, 实施, 统计) with the
overview's actions and adding challenges, and a challenge's own staff page (the engine's
recommended results and experts, to invite; its bids). Review, publicity and delivery
actions are in :mod:`portal.challenges.views_review`.

Only staff whose jurisdiction covers the programme's region manage it (others 403; those
who cannot even see a draft 404). Views parse with :mod:`portal.challenges.forms_manage`,
call one service and redirect to the section (POST-redirect-GET) with a message in Chinese;
a refusal becomes that message, nothing saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from matching.lists.selectors import list_rows_for_document
from portal import selectors as register_selectors
from portal.challenges import awards, reviews, selectors, services
from portal.challenges.forms_manage import ChallengeForm, InviteForm, ProgrammeForm
from portal.challenges.models import Challenge, Entry, Programme
from portal.challenges.views_review import (
    act,
    delivery_context,
    managed_programme,
    review_context,
    to_section,
)
from portal.form_errors import error_text, form_add_service_errors
from portal.models import PostingStatus
from portal.search import ranked_matches, search_queryset

if TYPE_CHECKING:
    from accounts.models import User
    from portal.challenges.views_review import AuthenticatedHttpRequest


NEED_SEARCH_LIMIT = 20
RECOMMENDATIONS = 10
E = Entry.Status


# ----------------------------------------------------------------------------- programme


@login_required
def programme_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.jurisdiction is None:
        raise PermissionDenied(_("只有科技局工作人员可以发布榜单或大赛。"))
    initial_kind = request.GET.get("kind", "")
    form = ProgrammeForm(request.POST or None, user=user)
    if initial_kind in Programme.Kind.values and not request.POST:
        form.initial["kind"] = initial_kind
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(
                user=user,
                kind=form.cleaned_data["kind"],
                data=form.service_data(),
                groups=form.group_names(),
                stages=form.stages,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if programme.is_competition:
                messages.success(request, _("大赛已创建（筹备中）。请分配评审专家，然后发布。"))
                return to_section(programme, "overview")
            messages.success(request, _("榜单已创建（筹备中）。请添加榜题，然后发布。"))
            return to_section(programme, "challenges")
    return render(request, "challenges/manage_form.html", {"form": form})


@login_required
@require_POST
def programme_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)

    def publish() -> str:
        services.programme_publish(user=request.user, programme=programme)
        return _("已发布，开始征集。")

    return act(request, programme, "overview", publish)


@login_required
@require_POST
def publicity_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)

    def start() -> str:
        done = awards.publicity_start(user=request.user, programme=programme)
        end = done.publicity_end.strftime("%Y-%m-%d") if done.publicity_end else ""
        return _("结果已公示，公示期至 %(end)s。") % {"end": end}

    return act(request, programme, "overview", start)


@login_required
@require_POST
def programme_finalize(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)

    def finalize() -> str:
        awarded = awards.programme_finalize(user=request.user, programme=programme)
        return _("结果已确定，%(n)s 项入选。") % {"n": len(awarded)}

    return act(request, programme, "delivery", finalize)


# ------------------------------------------------------------------------------ dashboard


def _need_search(request: HttpRequest, user: User) -> dict[str, Any]:
    """Published needs to turn into a challenge, by keyword (``need_q``)."""
    query = request.GET.get("need_q", "").strip()[:200]
    found = None
    if query:
        qs = register_selectors.posting_list_visible_to(kind="need", user=user).filter(
            status=PostingStatus.PUBLISHED
        )
        ranked, terms = search_queryset(qs.select_related("organization"), query)
        found = list(ranked_matches(ranked, terms)[:NEED_SEARCH_LIMIT])
    return {"need_query": query, "need_results": found}


def _challenge_form(request: HttpRequest) -> ChallengeForm:
    need = request.GET.get("need", "")
    return ChallengeForm(initial={"need": int(need)} if need.isdigit() else {})


def _dashboard(request: AuthenticatedHttpRequest, programme: Programme, **forms: Any) -> Any:
    user = request.user
    challenges = list(programme.challenges.select_related("need"))
    for challenge in challenges:
        challenge.stats = selectors.challenge_stats(challenge=challenge)  # type: ignore[attr-defined]
    context = {
        "programme": programme,
        "challenges": challenges,
        "challenge_form": forms.pop("challenge_form", None) or _challenge_form(request),
        "can_add_challenge": not programme.is_competition
        and programme.status in (Programme.Status.DRAFT, Programme.Status.OPEN),
        "groups": list(programme.groups.all()),
        "stats": selectors.programme_stats(programme=programme),
        **_need_search(request, user),
        **review_context(programme, user, challenges),
        **delivery_context(programme, user),
    }
    return render(request, "challenges/manage.html", context)


@login_required
@require_GET
def manage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, managed_programme(request, pk))


@login_required
@require_POST
def challenge_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    form = ChallengeForm(request.POST)
    if form.is_valid():
        try:
            challenge = services.challenge_add(
                user=request.user,
                programme=programme,
                data=form.service_data(),
                need_id=form.cleaned_data["need"],
                field_ids=form.field_ids(),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            text = _("已添加榜题“%(t)s”。") % {"t": challenge.title}
            if form.cleaned_data["need"] is None:
                text += _("它已作为技术需求进入需求库，系统将为其推荐成果和专家。")
            messages.success(request, text)
            return to_section(programme, "challenges")
    messages.error(request, _("榜题未保存，请按提示修改。"))
    return _dashboard(request, programme, challenge_form=form)


# ----------------------------------------------------------------------- one challenge


def _recommendations(user: User, challenge: Challenge) -> list[dict[str, Any]]:
    """The engine's lists for the challenge's need (results, then experts), best first."""
    if challenge.need_id is None:
        return []
    lists = list_rows_for_document(
        user=user, kind="need", pk=challenge.need_id, limit=RECOMMENDATIONS
    )
    titles = {"result": _("推荐成果"), "expert": _("推荐专家")}
    groups = []
    for target in ("result", "expert"):
        rows = []
        for row in lists.get(target, []):
            other = row.other
            if other is None:
                continue
            rows.append(
                {
                    "match": row.match,
                    "rank": row.rank,
                    "other": other,
                    "invitable": other.status == PostingStatus.PUBLISHED,
                    "url": reverse(f"registers:{target}-detail", args=[other.pk]),
                    "pair_url": reverse("matching:match-detail", args=[row.match.pk]),
                }
            )
        groups.append({"target": target, "title": titles[target], "rows": rows})
    return groups


@login_required
@require_GET
def challenge_manage(request: AuthenticatedHttpRequest, pk: int, cid: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    challenge = get_object_or_404(programme.challenges.select_related("need"), pk=cid)
    user = request.user
    bids = []
    entries = (
        selectors.entry_list_visible_to(user=user, programme=programme)
        .filter(challenge=challenge)
        .exclude(status=E.DRAFT)
        .prefetch_related("members__organization")
    )
    for entry in entries:
        bids.append(
            {
                "entry": entry,
                "score": reviews.entry_score(entry),
                "reviews": reviews.reviews_visible_to(user=user, entry=entry),
            }
        )
    groups = _recommendations(user, challenge)
    context = {
        "programme": programme,
        "challenge": challenge,
        "groups": groups,
        "invitable": any(row["invitable"] for group in groups for row in group["rows"]),
        "bids": bids,
        "stats": selectors.challenge_stats(challenge=challenge),
    }
    return render(request, "challenges/manage_challenge.html", context)


@login_required
@require_POST
def challenge_invite(request: AuthenticatedHttpRequest, pk: int, cid: int) -> HttpResponse:
    programme = managed_programme(request, pk)
    challenge = get_object_or_404(programme.challenges, pk=cid)
    back = redirect(reverse("challenges:manage-challenge", args=[pk, cid]) + "#recommendations")
    form = InviteForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if not (data.get("result_ids") or data.get("expert_ids")):
        messages.error(request, _("请先勾选要邀请的成果或专家。"))
        return back
    try:
        told = services.challenge_invite(
            user=request.user,
            challenge=challenge,
            result_ids=data["result_ids"],
            expert_ids=data["expert_ids"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("已发出 %(n)s 份揭榜邀请（已邀请过的不重复通知）。") % {"n": told}
        )
    return back
