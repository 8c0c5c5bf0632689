from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import (
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RegistrationForm,
    SetPasswordForm,
)
from accounts.models import User
from accounts.selectors import organization_list_pending, organization_list_visible_to
from portal.form_errors import form_add_service_errors

ORGANIZATION_CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "credit_code")


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
    # Its change history is shown to staff; contact details only to staff of its region.
    jurisdiction = user.jurisdiction if user is not None else None  # type: ignore[union-attr]
    in_region = jurisdiction is not None and organization.region_code.startswith(jurisdiction)
    context = {
        "organization": organization,
        "history_hidden": () if in_region else ORGANIZATION_CONTACT_FIELDS,
    }
    return render(request, "accounts/organization_detail.html", context)


# Django's password views with the portal's templates (templates/registration/) and forms
# styled like the rest of the site; without them Django would show the admin's look.
password_change = auth_views.PasswordChangeView.as_view(
    form_class=PasswordChangeForm, success_url=reverse_lazy("accounts:password-change-done")
)
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetForm,
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password-reset-done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=SetPasswordForm, success_url=reverse_lazy("accounts:password-reset-complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
