"""What a locked-out client sees (django-axes AXES_LOCKOUT_CALLABLE): JSON for the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("登录失败次数过多，账号已临时锁定，请15分钟后再试或联系管理员。")},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "accounts/locked_out.html", status=429)
