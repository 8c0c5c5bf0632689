from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm, RegistrationForm
from accounts.models import User
from accounts.selectors import organization_list_pending, organization_list_visible_to
from portal.form_errors import form_add_service_errors


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                username=data["username"],
                password=data["password1"],
                email=data["email"],
                phone=data["phone"],
                display_name=data["display_name"],
                role=data["role"],
                org_name=data["org_name"],
                org_type=data["org_type"],
                credit_code=data["credit_code"],
                region_code=data["region_code"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功。您的机构正在等待科技局工作人员认证。"))
            return redirect("accounts:profile")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user=user,
                display_name=form.cleaned_data["display_name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("个人资料已保存。"))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "membership": user.membership})


@login_required
def organization_review(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_bureau_staff:
        raise PermissionDenied
    pending = organization_list_pending(user=user).order_by("created_at")
    return render(request, "accounts/organization_review.html", {"organizations": pending})


@login_required
@require_POST
def organization_verify(request: HttpRequest, org_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_bureau_staff:
        raise PermissionDenied
    organization = get_object_or_404(organization_list_pending(user=user), pk=org_id)
    services.organization_verify(organization=organization, by=user)
    messages.success(request, _("机构“%(name)s”已认证。") % {"name": organization.name})
    return redirect("accounts:organization-review")


def organization_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    organization = get_object_or_404(
        organization_list_visible_to(user=user),  # type: ignore[arg-type]
        pk=org_id,
    )
    return render(request, "accounts/organization_detail.html", {"organization": organization})
