from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Organization
from portal.health import health_report
from portal.uploads import too_large_detail

logger = logging.getLogger(__name__)

_BARE_ERROR_PAGE = (
    '<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">'
    "<title>%(status)s</title></head><body><h1>%(status)s</h1><p>%(message)s</p>"
    '<p><a href="/">&larr;</a></p></body></html>'
)


def home(request: HttpRequest) -> HttpResponse:
    from portal.selectors import register_stats

    context = {
        "organization_count": Organization.objects.filter(is_verified=True).count(),
        "register_stats": register_stats(),
    }
    return render(request, "portal/home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    all_up, report = health_report()
    return JsonResponse(
        {"status": "ok" if all_up else "degraded", "checks": report},
        status=200 if all_up else 503,
        json_dumps_params={"ensure_ascii": False},
    )


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


def _error(
    request: HttpRequest, status: int, template: str, detail: str | None = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        messages = {
            400: _("请求无效。"),
            403: _("没有权限。"),
            404: _("未找到。"),
            413: _("请求内容过大。"),
            500: _("服务器内部错误，请稍后再试。"),
        }
        return JsonResponse(
            {"detail": detail or messages[status]},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    try:
        return render(request, template, {"detail": detail}, status=status)
    except Exception:
        # The site layout reads the database (menus, unread count); when that is what failed,
        # answer with a bare page rather than Django's own English one.
        logger.exception("error page %s could not be rendered", template)
        return HttpResponse(
            _BARE_ERROR_PAGE % {"status": status, "message": _("服务暂时不可用，请稍后再试。")},
            status=status,
        )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return payload_too_large(request)
    return _error(request, 400, "400.html")


def payload_too_large(request: HttpRequest) -> HttpResponse:
    """413 for a body over REQUEST_MAX_BYTES or DATA_UPLOAD_MAX_MEMORY_SIZE, or a file over
    ATTACHMENT_MAX_BYTES (portal/uploads.py), with the limits the user can act on."""
    return _error(request, 413, "413.html", too_large_detail())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page is in English and speaks of cookies and referers."""
    return _error(request, 403, "403_csrf.html", _("页面已过期或来源无法验证，请刷新页面后重试。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "500.html")
