"""Two-step sign-in enforced on every request (after django_otp's OTPMiddleware).

1. A session signed in with a password only (e.g. through /admin/login/) by a user who has
   a confirmed device is logged out and sent to the portal's login, which asks for the code.
2. With STAFF_MFA_REQUIRED, bureau staff and administrators without a device are sent to the
   enrol page before anything else. Session-authenticated API calls get a 403 JSON instead.

Token-authenticated API calls are authenticated later, by DRF, and are not seen here: the
token endpoint itself asks users with a device for a code (portal.apis.site.TokenObtainApi).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import mfa
from accounts.models import User

# The session remembers "this user had no device when they logged in", so a request costs
# no query and no session write for it (set at login, or on the first request of a session
# from before this middleware).
NO_DEVICE_KEY = "mfa_no_device"


@receiver(user_logged_in, dispatch_uid="accounts.mfa_remember_no_device")
def remember_no_device(
    sender: object, request: HttpRequest | None, user: User, **kwargs: object
) -> None:
    if request is not None and hasattr(request, "session") and not mfa.mfa_enabled(user):
        request.session[NO_DEVICE_KEY] = user.pk


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class MfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.check(request) or self.get_response(request)

    def _exempt(self, request: HttpRequest) -> bool:
        path = request.path
        if path.startswith((settings.STATIC_URL or "/static/", "/i18n/")):
            return True
        allowed = {
            reverse("accounts:logout"),
            reverse("accounts:mfa-setup"),
            reverse("accounts:mfa-codes"),
        }
        return path in allowed

    def check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr, attr-defined]
            return None
        if request.session.get(NO_DEVICE_KEY) != user.pk:
            if mfa.mfa_enabled(user):  # type: ignore[arg-type]
                logout(request)
                if _is_api(request):
                    return JsonResponse(
                        {"detail": _("请重新登录并完成两步验证。")},
                        status=403,
                        json_dumps_params={"ensure_ascii": False},
                    )
                messages.info(request, _("请重新登录并输入两步验证码。"))
                login_url = reverse("accounts:login")
                return redirect(f"{login_url}?{urlencode({'next': request.get_full_path()})}")
            request.session[NO_DEVICE_KEY] = user.pk
        if (
            settings.STAFF_MFA_REQUIRED
            and mfa.mfa_can_enrol(user)  # type: ignore[arg-type]
            and not self._exempt(request)
        ):
            if _is_api(request):
                return JsonResponse(
                    {"detail": _("工作人员须先在网站上启用两步验证。")},
                    status=403,
                    json_dumps_params={"ensure_ascii": False},
                )
            messages.info(request, _("平台要求工作人员和管理员启用两步验证，请先完成设置。"))
            return redirect("accounts:mfa-setup")
        return None
