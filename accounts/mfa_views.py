"""Two-step sign-in pages: the code step after the password, enrolment and management."""

from __future__ import annotations

import time
from typing import Any

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import mfa
from accounts.forms import MfaCodeForm
from accounts.lockout import lockout_response
from accounts.models import User
from portal.form_errors import error_text

# Between the password and the code the user is not logged in: the session only remembers
# who passed the password, for PENDING_SECONDS and MAX_CODE_FAILURES wrong codes.
PENDING_KEY = "mfa_pending"
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5
# Recovery codes are shown once: the enrol/regenerate step leaves them here for one page.
CODES_KEY = "mfa_new_codes"


class LoginView(auth_views.LoginView):
    """Django's login; a user with a confirmed device goes on to the code step instead."""

    template_name = "accounts/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not mfa.mfa_enabled(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "started": time.time(),
            "failures": 0,
        }
        return redirect("accounts:mfa-verify")


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("started", 0) > PENDING_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


def mfa_verify(request: HttpRequest) -> HttpResponseBase:
    """The code step: a TOTP code or one recovery code completes the login."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("accounts:login")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING_KEY, None)
        return lockout_response(request)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.mfa_match(user, form.cleaned_data["code"])
        if device is None:
            # Counted by django-axes like a wrong password (same username + IP lockout).
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            pending["failures"] += 1
            if pending["failures"] >= MAX_CODE_FAILURES or AxesProxyHandler.is_locked(
                request, credentials
            ):
                request.session.pop(PENDING_KEY, None)
                return lockout_response(request)
            request.session[PENDING_KEY] = pending
            wait = mfa.mfa_retry_wait(user)
            if wait:
                # django-otp doubles its wait after each wrong code; say so, or a right code
                # typed too soon would look wrong too.
                message = _("验证码不正确或已使用。请等待 %(seconds)d 秒后再输入。") % {
                    "seconds": wait
                }
            else:
                message = _("验证码不正确或已使用，请重新输入。")
            form.add_error("code", message)
        else:
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend=pending["backend"])
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 %(count)d 个。请尽快重新生成恢复码。")
                    % {"count": device.token_set.count()},
                )
            return redirect(pending["next"])
    return render(request, "accounts/mfa_verify.html", {"form": form})


def _enrol_user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not mfa.mfa_can_enrol(user):
        raise PermissionDenied
    return user


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Status and management when enabled; otherwise a secret to scan and a first code."""
    user = _enrol_user(request)
    required = settings.STAFF_MFA_REQUIRED
    if mfa.mfa_enabled(user):
        context = {
            "form": MfaCodeForm(),
            "codes_left": mfa.mfa_recovery_codes_left(user),
            "required": required,
        }
        return render(request, "accounts/mfa_manage.html", context)
    device = mfa.mfa_pending_device(user) or mfa.mfa_enrol_start(user=user)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa.mfa_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            # This session proved the device just now: it counts as verified.
            django_otp.login(request, device)
            request.session[CODES_KEY] = codes
            messages.success(request, _("两步验证已启用。"))
            return redirect("accounts:mfa-codes")
    context = {
        "form": form,
        "secret": mfa.totp_secret_base32(device),
        "uri": device.config_url,
        "qr_svg": mfa.totp_qr_svg(device.config_url),
        "required": required,
    }
    return render(request, "accounts/mfa_setup.html", context)


@login_required
def mfa_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, once: reloading the page shows them no more."""
    _enrol_user(request)
    codes = request.session.pop(CODES_KEY, None)
    if not codes:
        return redirect("accounts:mfa-setup")
    return render(request, "accounts/mfa_codes.html", {"codes": codes})


@login_required
@require_POST
def mfa_regenerate(request: HttpRequest) -> HttpResponse:
    user = _enrol_user(request)
    form = MfaCodeForm(request.POST)
    if form.is_valid():
        try:
            codes = mfa.mfa_recovery_codes_regenerate(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            request.session[CODES_KEY] = codes
            messages.success(request, _("已生成新的恢复码，旧的恢复码已失效。"))
            return redirect("accounts:mfa-codes")
    else:
        messages.error(request, _("请输入验证码。"))
    return redirect("accounts:mfa-setup")


@login_required
@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    user = _enrol_user(request)
    form = MfaCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请输入验证码。"))
        return redirect("accounts:mfa-setup")
    try:
        mfa.mfa_disable(
            user=user, code=form.cleaned_data["code"], required=settings.STAFF_MFA_REQUIRED
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("两步验证已关闭。"))
    return redirect("accounts:mfa-setup")
