"""Request input the portal refuses before any view: a NUL character in the query string
(400), and bodies before they are read in full when they are larger than any form
or API call takes: a Content-Length over REQUEST_MAX_BYTES gets 413 at once, and one uploaded
file stops being read as soon as it passes ATTACHMENT_MAX_BYTES (RequestDataTooBig, which the
error handlers answer with 413). Django's own DATA_UPLOAD_MAX_MEMORY_SIZE covers the rest of a
body; DATA_UPLOAD_MAX_NUMBER_FILES bounds the number of files."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def too_large_detail() -> str:
    return _("提交的内容过大：单个文件不能超过 %(file)s MB，整个请求不能超过 %(total)s MB。") % {
        "file": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "total": settings.REQUEST_MAX_BYTES // (1024 * 1024),
    }


def request_too_large(request: HttpRequest) -> HttpResponse:
    from portal.views import payload_too_large

    return payload_too_large(request)


class RequestSizeLimitMiddleware:
    """Right after SecurityMiddleware: answers 413 from the declared length, reading nothing,
    and 400 to a query string with a NUL character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return request_too_large(request)
        # PostgreSQL refuses NUL in text ("cannot contain NUL (0x00) bytes"): a ?q=%00 reaching
        # a filter was a 500. Forms and serializers refuse it in bodies already.
        if "\x00" in "".join(k + "".join(v) for k, v in request.GET.lists()):
            from portal.views import bad_request

            return bad_request(request)
        return self.get_response(request)


class FileSizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: passes chunks on until a file passes the limit."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.ATTACHMENT_MAX_BYTES:
            raise RequestDataTooBig("Uploaded file exceeds ATTACHMENT_MAX_BYTES.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
