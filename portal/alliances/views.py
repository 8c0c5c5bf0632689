"""Browser pages of the alliances: list, page, and the admin tools (create, edit, members).

Each object view first fetches the alliance through the selectors (outsiders 404), checks
the right to manage it (others 403), then calls a service and redirects.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Alliance, AllianceMembership, Organization, User
from portal.alliances import selectors, services
from portal.alliances.forms import AllianceCreateForm, AllianceEditForm, MemberAddForm
from portal.form_errors import form_add_service_errors

PAGE_SIZE = 20


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _managed(request: HttpRequest, alliance_id: int) -> tuple[User, Alliance]:
    user: User = request.user  # type: ignore[assignment]
    alliance = selectors.get_alliance_for_user(user=user, alliance_id=alliance_id)
    if not selectors.can_manage_alliance(user, alliance):
        raise PermissionDenied
    return user, alliance


@require_GET
def alliance_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = selectors.alliance_list_visible_to(user=user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_create": selectors.can_create_alliance(user)}
    return render(request, "alliances/alliance_list.html", context)


@require_GET
def alliance_detail(request: HttpRequest, alliance_id: int) -> HttpResponse:
    user = _user(request)
    alliance = selectors.get_alliance_for_user(user=user, alliance_id=alliance_id)
    context = {
        "alliance": alliance,
        "memberships": list(selectors.alliance_memberships(alliance=alliance)),
        "needs": selectors.alliance_postings(alliance=alliance, user=user, kind="need"),
        "results": selectors.alliance_postings(alliance=alliance, user=user, kind="result"),
        "stats": selectors.alliance_stats(alliance=alliance),
        "events": selectors.alliance_events(alliance, user),
        "is_member": selectors.is_alliance_member(user=user, alliance=alliance),
        "can_manage": selectors.can_manage_alliance(user, alliance),
    }
    return render(request, "alliances/alliance_detail.html", context)


@login_required
def alliance_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not selectors.can_create_alliance(user):
        raise PermissionDenied
    form = AllianceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alliance = services.alliance_create(
                by=user,
                name=data["name"],
                kind=data["kind"],
                region_code=data["region_code"],
                description=data["description"],
                website=data["website"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("联盟“%(name)s”已创建。") % {"name": alliance.name})
            return redirect("alliances:members", alliance_id=alliance.pk)
    return render(request, "alliances/alliance_form.html", {"form": form, "alliance": None})


@login_required
def alliance_edit(request: HttpRequest, alliance_id: int) -> HttpResponse:
    user, alliance = _managed(request, alliance_id)
    initial = {"description": alliance.description, "website": alliance.website}
    form = AllianceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.alliance_update(
                alliance=alliance,
                by=user,
                description=form.cleaned_data["description"],
                website=form.cleaned_data["website"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("联盟信息已保存。"))
            return redirect("alliances:detail", alliance_id=alliance.pk)
    return render(request, "alliances/alliance_form.html", {"form": form, "alliance": alliance})


@login_required
@require_GET
def alliance_members(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """The admins' member list, with a name (or id) search for organisations to add."""
    _by, alliance = _managed(request, alliance_id)
    query = (request.GET.get("q") or "").strip()[:100]
    context = {
        "alliance": alliance,
        "memberships": list(selectors.alliance_memberships(alliance=alliance)),
        "query": query,
        "candidates": selectors.organization_candidates(alliance=alliance, query=query),
        "roles": AllianceMembership.Role.choices,
    }
    return render(request, "alliances/alliance_members.html", context)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def alliance_member_add(request: HttpRequest, alliance_id: int) -> HttpResponse:
    user, alliance = _managed(request, alliance_id)
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
        return redirect("alliances:members", alliance_id=alliance.pk)
    organization = Organization.objects.filter(pk=form.cleaned_data["organization"]).first()
    if organization is None:
        messages.error(request, _("机构不存在。"))
        return redirect("alliances:members", alliance_id=alliance.pk)
    try:
        services.alliance_member_add(
            alliance=alliance,
            by=user,
            organization=organization,
            role=form.cleaned_data["role"] or AllianceMembership.Role.MEMBER,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已添加成员“%(name)s”。") % {"name": organization.name})
    return redirect("alliances:members", alliance_id=alliance.pk)


@login_required
@require_POST
def alliance_member_remove(request: HttpRequest, alliance_id: int, org_id: int) -> HttpResponse:
    user, alliance = _managed(request, alliance_id)
    organization = get_object_or_404(Organization, pk=org_id)
    try:
        services.alliance_member_remove(alliance=alliance, by=user, organization=organization)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已移除成员“%(name)s”。") % {"name": organization.name})
    return redirect("alliances:members", alliance_id=alliance.pk)
