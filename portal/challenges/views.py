"""Browser pages of challenge lists (揭榜挂帅) and competitions (创新创业大赛) for the public
and the bidders: the list, a programme's page (stages and criteria, challenges or groups,
the result during publicity with the objection form, the viewer's own entries), a
challenge's page with the bid form, and "my entries". An entry's own page is in
:mod:`portal.challenges.views_entries`, the reviewers' pages in
:mod:`portal.challenges.views_reviews`, the staff tools in
:mod:`portal.challenges.views_manage`.

Each view reads through :mod:`portal.challenges.selectors` (drafts outside the staff
member's region 404; nobody sees another unit's bid), calls one service and redirects; a
refused form is shown again with the service's messages on its fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from portal import selectors as register_selectors
from portal.challenges import awards, selectors
from portal.challenges import entries as entry_services
from portal.challenges.forms import EntryForm, ObjectionForm
from portal.challenges.models import Challenge, Entry, Member, Programme, Stage
from portal.challenges.services import can_manage

E = Entry.Status
P = Programme.Status
PAST_PAGE_SIZE = 20
# Before publicity a selection is the panel's, not yet the applicant's news.
UNPUBLISHED_DECISIONS = (E.SELECTED, E.NOT_SELECTED)
ACTIVE = (E.DRAFT, E.CONFIRMING, E.SUBMITTED)


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _member(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def programme_for(request: HttpRequest, pk: int) -> Programme:
    """The programme if the user may see it (a draft outside their region: 404)."""
    return get_object_or_404(selectors.programme_list_visible_to(user=_user(request)), pk=pk)


def manage_url(programme: Programme) -> str | None:
    """The staff page of the programme, once :mod:`portal.challenges.manage_urls` has it."""
    try:
        return reverse("challenges:manage", args=[programme.pk])
    except NoReverseMatch:
        return None


def create_url(user: Any) -> str | None:
    """The staff form for a new programme (bureau staff only), once it exists."""
    if user is None or user.jurisdiction is None:
        return None
    try:
        return reverse("challenges:create")
    except NoReverseMatch:
        return None


def is_party(user: Any) -> bool:
    """Who is offered the bid form: a member of an enterprise, university or institute
    (the service refuses anyone else)."""
    return user is not None and user.organization is not None and not user.is_bureau_staff


def results_published(programme: Programme) -> bool:
    return programme.status in (P.PUBLICITY, P.FINAL)


def present(entry: Entry, *, manages: bool = False) -> Entry:
    """Set what the page shows of the entry's status: a selection stays "评审中" for its
    units until the result is published (staff see the real status)."""
    hidden = (
        not manages
        and entry.status in UNPUBLISHED_DECISIONS
        and not results_published(entry.programme)
    )
    entry.shown_status = E.SUBMITTED if hidden else entry.status  # type: ignore[attr-defined]
    entry.shown_label = _("评审中") if hidden else entry.get_status_display()  # type: ignore[attr-defined]
    entry.decision_shown = not hidden and (  # type: ignore[attr-defined]
        results_published(entry.programme) or entry.status == E.ELIMINATED or manages
    )
    return entry


def entry_deadline(entry: Entry) -> Any:
    """When the entry's bidding closes (its challenge's own deadline, else the programme's)."""
    challenge = entry.challenge
    if challenge is not None and challenge.deadline is not None:
        return challenge.deadline
    return entry.programme.entry_deadline


# ----------------------------------------------------------------------------------- list


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    programmes = selectors.programme_list_visible_to(user=user).annotate(
        challenge_count=Count("challenges", distinct=True),
        funding=Sum("challenges__funding"),
    )
    by_deadline = ("entry_deadline", "id")
    past = Paginator(
        programmes.filter(status__in=(P.FINAL, P.CANCELLED)).order_by("-period_start", "-id"),
        PAST_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {
        "drafts": list(programmes.filter(status=P.DRAFT).order_by(*by_deadline)),
        "open": list(programmes.filter(status=P.OPEN).order_by(*by_deadline)),
        "reviewing": list(programmes.filter(status=P.REVIEWING).order_by(*by_deadline)),
        "publicity": list(programmes.filter(status=P.PUBLICITY).order_by("publicity_end", "id")),
        "past": past,
        "to_confirm": list(selectors.entries_to_confirm(user=user)),
        "my_entry_count": selectors.my_entries(user=user).count(),
        "has_assignments": selectors.assignments_of(user=user).exists(),
        "create_url": create_url(user),
    }
    return render(request, "challenges/programme_list.html", context)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """My unit's bids and entries, the consortia waiting for my unit's confirmation."""
    user = _member(request)
    org = user.organization
    entries = [
        present(e)
        for e in selectors.my_entries(user=user)
        .select_related("group", "stage")
        .order_by("-created_at", "-id")
    ]
    for entry in entries:
        entry.is_lead = org is not None and entry.lead_id == org.pk  # type: ignore[attr-defined]
    context = {
        "entries": entries,
        "to_confirm": list(selectors.entries_to_confirm(user=user).order_by("entry__created_at")),
        "has_assignments": selectors.assignments_of(user=user).exists(),
    }
    return render(request, "challenges/mine.html", context)


# ------------------------------------------------------------------------ programme page


def _public_result(user: Any, programme: Programme) -> list[Entry]:
    """During publicity and after: the selected and awarded entries, with their units."""
    if not results_published(programme):
        return []
    return list(
        selectors.entry_list_visible_to(user=user, programme=programme)
        .filter(status__in=selectors.PUBLIC_RESULT)
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.select_related("organization"))
        )
        .order_by("challenge_id", "group_id", "rank", "id")
    )


def _my_block(user: Any, programme: Programme) -> dict[str, Any]:
    if user is None:
        return {"my_entries": [], "programme_to_confirm": []}
    org = user.organization
    mine = [
        present(e)
        for e in selectors.my_entries(user=user)
        .filter(programme=programme)
        .select_related("group")
        .order_by("id")
    ]
    for entry in mine:
        entry.is_lead = org is not None and entry.lead_id == org.pk  # type: ignore[attr-defined]
    confirm = selectors.entries_to_confirm(user=user).filter(entry__programme=programme)
    return {"my_entries": mine, "programme_to_confirm": list(confirm)}


def _detail_context(
    request: HttpRequest,
    programme: Programme,
    *,
    entry_form: EntryForm | None = None,
    objection_form: ObjectionForm | None = None,
) -> dict[str, Any]:
    user = _user(request)
    manages = can_manage(user, programme)
    result = _public_result(user, programme)
    context: dict[str, Any] = {
        "programme": programme,
        "stages": list(Stage.objects.filter(programme=programme).prefetch_related("criteria")),
        "challenges": list(programme.challenges.all()),
        "groups": list(programme.groups.all()),
        "can_manage": manages,
        "manage_url": manage_url(programme) if manages else None,
        "result": result,
        "is_party": is_party(user),
        **_my_block(user, programme),
    }
    if objection_form is None and user is not None and programme.objections_open:
        objection_form = ObjectionForm(
            entries=[e for e in result if e.status == E.SELECTED], prefix="objection"
        )
    context["objection_form"] = objection_form
    if (
        entry_form is None
        and programme.is_competition
        and programme.entries_open
        and is_party(user)
    ):
        entry_form = EntryForm(programme=programme, user=user)
    context["entry_form"] = entry_form
    return context


@require_GET
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk)
    context = _detail_context(request, programme)
    return render(request, "challenges/programme_detail.html", context)


def _submitted(request: HttpRequest, entry: Entry) -> HttpResponse:
    if entry.status == E.CONFIRMING:
        messages.success(request, _("方案已提交，待联合体各成员单位确认后生效。"))
    else:
        messages.success(request, _("方案已提交。"))
    return redirect("challenges:entry", entry.pk)


@login_required
@require_POST
def enter(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a competition (the form is on the programme page, with a group select)."""
    user = _member(request)
    programme = programme_for(request, pk)
    form = EntryForm(request.POST, programme=programme, user=user)
    if form.is_valid():
        try:
            entry = entry_services.entry_submit(
                user=user, programme=programme, **form.service_kwargs()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return _submitted(request, entry)
    context = _detail_context(request, programme, entry_form=form)
    return render(request, "challenges/programme_detail.html", context)


@login_required
@require_POST
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    """Object to the published result (公示期异议), with grounds."""
    programme = programme_for(request, pk)
    selected = [e for e in _public_result(_user(request), programme) if e.status == E.SELECTED]
    form = ObjectionForm(request.POST, entries=selected, prefix="objection")
    if form.is_valid():
        try:
            awards.objection_file(
                user=_member(request),
                programme=programme,
                grounds=form.cleaned_data["grounds"],
                entry_id=form.cleaned_data["entry"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("异议已提交，工作人员核实处理后将通知您。"))
            return redirect(reverse("challenges:detail", args=[programme.pk]) + "#objection")
    context = _detail_context(request, programme, objection_form=form)
    return render(request, "challenges/programme_detail.html", context)


# ------------------------------------------------------------------------ challenge page


def _challenge_context(
    request: HttpRequest, programme: Programme, challenge: Challenge, form: EntryForm | None
) -> dict[str, Any]:
    user = _user(request)
    deadline = challenge.deadline or programme.entry_deadline
    bidding_open = programme.entries_open and timezone.now() <= deadline
    need_visible = bool(
        challenge.need_id
        and register_selectors.posting_list_visible_to(kind="need", user=user)
        .filter(pk=challenge.need_id)
        .exists()
    )
    org = user.organization if user is not None else None
    mine = [
        present(e)
        for e in selectors.my_entries(user=user).filter(challenge=challenge).order_by("id")
    ]
    # The unit's live bid is edited on its own page rather than bid again.
    leading = [e for e in mine if org is not None and e.lead_id == org.pk and e.status in ACTIVE]
    if form is None and bidding_open and is_party(user) and not leading:
        form = EntryForm(programme=programme, user=user)
    return {
        "programme": programme,
        "challenge": challenge,
        "deadline": deadline,
        "bidding_open": bidding_open,
        "need_visible": need_visible,
        "my_entries": mine,
        "leading": leading,
        "entry_form": form,
        "is_party": is_party(user),
        "can_manage": can_manage(user, programme),
    }


@require_GET
def challenge_detail(request: HttpRequest, pk: int, challenge_pk: int) -> HttpResponse:
    programme = programme_for(request, pk)
    challenge = get_object_or_404(programme.challenges, pk=challenge_pk)
    context = _challenge_context(request, programme, challenge, None)
    return render(request, "challenges/challenge_detail.html", context)


@login_required
@require_POST
def bid(request: HttpRequest, pk: int, challenge_pk: int) -> HttpResponse:
    """Bid for a challenge (揭榜), alone or as the lead of a consortium."""
    user = _member(request)
    programme = programme_for(request, pk)
    challenge = get_object_or_404(programme.challenges, pk=challenge_pk)
    form = EntryForm(request.POST, programme=programme, user=user)
    if form.is_valid():
        try:
            entry = entry_services.entry_submit(
                user=user, programme=programme, challenge_id=challenge.pk, **form.service_kwargs()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return _submitted(request, entry)
    context = _challenge_context(request, programme, challenge, form)
    return render(request, "challenges/challenge_detail.html", context)
