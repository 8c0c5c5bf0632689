"""The portal's own error pages while DEBUG is on (as with `make run`).

With DEBUG, Django answers a missing page with its English technical 404 page. Developers
and testers should see what users see, so unless DEBUG_ERROR_PAGES is set this middleware
serves the portal's handler404 (templates/404.html, or JSON under /api/) instead: for URLs
that match no route, and for Http404 raised by a view. With DEBUG off Django already does
this, and the middleware does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_urlconf, resolve


def _portal_404_wanted() -> bool:
    return bool(settings.DEBUG) and not getattr(settings, "DEBUG_ERROR_PAGES", False)


def _page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    from portal.views import page_not_found

    return page_not_found(request, exception)


class PortalErrorPagesMiddleware:
    """Keep last in MIDDLEWARE, so that the 404 page sees the user, language and messages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _portal_404_wanted():
            # An unmatched URL raises Resolver404 before any view middleware runs, and
            # Django turns it into the technical page; resolve first to answer it ourselves.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None) or get_urlconf())
            except Resolver404 as exc:
                return _page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and _portal_404_wanted():
            return _page_not_found(request, exception)
        return None
