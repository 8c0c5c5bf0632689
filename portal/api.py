"""One place that maps the services' Django exceptions to API responses (JSON, never HTML)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import drf_spectacular.authentication
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from portal.uploads import too_large_detail

logger = logging.getLogger(__name__)


class SessionScheme(drf_spectacular.authentication.SessionScheme):
    """The schema's cookie authentication for portal.api_auth.SessionAuthentication (which
    cannot declare it itself: it is imported while DRF loads its settings)."""

    target_class = "portal.api_auth.SessionAuthentication"
    priority = 0


# No page holds more rows than this, whatever ?page_size= asks for (larger values are cut down
# to it): a request's cost must not grow with what the client asks for.
MAX_PAGE_SIZE = 100
# Reference lists (fields, regions) answer a bare, unpaginated array for select widgets; this caps
# them all the same, well above the shipped tables (3,348 regions), so no list is unbounded.
MAX_REFERENCE_ROWS = 5000


class Pagination(PageNumberPagination):
    """The one pagination of every list API: ?page=, ?page_size= up to MAX_PAGE_SIZE."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map the services' Django exceptions to DRF ones; everything else becomes JSON too."""
    if isinstance(exc, DjangoValidationError) and getattr(exc, "code", None) == "conflict":
        # deciding a pair twice, a pair that exists already: the state, not the input
        return Response(_validation_detail(exc), status=409)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        # a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or a file over ATTACHMENT_MAX_BYTES
        return Response({"detail": too_large_detail()}, status=413)
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError()  # too many fields or files: Django's limits
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response({"detail": _("服务器内部错误，请稍后再试。")}, status=500)
    return response


def valid_input(serializer: type[serializers.Serializer], request: Request, **kw: Any) -> Any:
    """The request body through an input serializer (400 with field messages if not)."""
    data = serializer(data=request.data, **kw)
    data.is_valid(raise_exception=True)
    return data.validated_data


@contextmanager
def errors_renamed(renames: dict[str, str]) -> Iterator[None]:
    """A service's field errors under the names the client sent (``needs`` → ``need_ids``)."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise DjangoValidationError(
            {renames.get(k, k): v for k, v in exc.error_dict.items()}
        ) from exc
