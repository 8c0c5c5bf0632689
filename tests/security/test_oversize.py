"""Bodies and uploads over the limits get a clear Chinese 413 before they are read in full, and
uploads are judged by their bytes, not their names.

The large bodies are streams that make their bytes up as they are read and count them, sent
through Django's WSGI handler (as gunicorn does): the test sees how much the portal read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from accounts.models import User
from portal.models import Attachment
from portal.services.attachments import attachment_bytes_for_tests
from tests.portal.conftest import need_form
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")
BOUNDARY = "----duijie-boundary"


class MadeUpBody:
    """``size`` bytes: ``head``, then filler, then ``tail``, made as they are read."""

    def __init__(self, size: int, head: bytes = b"", tail: bytes = b"") -> None:
        self.size, self.head, self.tail, self.read_bytes = size, head, tail, 0

    def _byte_range(self, start: int, end: int) -> bytes:
        filler_end = self.size - len(self.tail)
        out = bytearray()
        if start < len(self.head):
            out += self.head[start : min(end, len(self.head))]
        lo, hi = max(start, len(self.head)), min(end, filler_end)
        if hi > lo:
            out += b"a" * (hi - lo)
        lo, hi = max(start, filler_end), end
        if hi > lo:
            out += self.tail[lo - filler_end : hi - filler_end]
        return bytes(out)

    def read(self, n: int | None = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 or n > left else n
        chunk = self._byte_range(self.read_bytes, self.read_bytes + n)
        self.read_bytes += n
        return chunk

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit if limit > 0 else 64 * 1024)


def multipart_file(size: int, name: str = "方案.pdf") -> MadeUpBody:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachment"; '
        f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
    ).encode()
    return MadeUpBody(size, head, f"\r\n--{BOUNDARY}--\r\n".encode())


@pytest.fixture
def wsgi() -> Iterator[Any]:
    """Call the WSGI application with a made-up body; return (status, body, content type).
    As in Django's test client, a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    token = _get_new_csrf_string()

    def call(path: str, content_type: str, body: MadeUpBody, **headers: str) -> Any:
        environ = RequestFactory().post(path).environ.copy()
        environ.update(
            {
                "CONTENT_TYPE": content_type,
                "CONTENT_LENGTH": str(body.size),
                "wsgi.input": body,
                "HTTP_X_CSRFTOKEN": token,
                "HTTP_COOKIE": f"csrftoken={token}; " + headers.pop("cookie", ""),
                **headers,
            }
        )
        answer: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[Any], *_exc: Any) -> None:
            answer["status"] = int(status.split()[0])
            answer["type"] = dict(response_headers).get("Content-Type", "")

        content = b"".join(WSGIHandler()(environ, start_response)).decode()
        return answer["status"], content, answer["type"]

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_a_json_body_over_the_limit_gets_413_json_unread(alice: User, wsgi: Any) -> None:
    body = MadeUpBody(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MB, b'{"title": "', b'"}')
    token = Token.objects.create(user=alice).key

    status, content, content_type = wsgi(
        "/api/needs/", "application/json", body, HTTP_AUTHORIZATION=f"Token {token}"
    )

    assert (status, content_type) == (413, "application/json")
    assert "单个文件不能超过 20 MB" in content
    assert body.read_bytes == 0


def test_a_form_body_over_the_limit_gets_a_413_page_unread(alice: User, wsgi: Any) -> None:
    body = MadeUpBody(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MB, b"title=")

    status, content, _type = wsgi(
        "/needs/new/", "application/x-www-form-urlencoded", body, cookie=session_cookie(alice)
    )

    assert status == 413
    assert "提交的内容过大" in content
    assert body.read_bytes == 0


def test_a_body_over_any_form_is_refused_from_its_length_alone(alice: User, wsgi: Any) -> None:
    need = NeedFactory(organization=alice.organization)
    body = multipart_file(settings.REQUEST_MAX_BYTES + 1)

    status, content, _type = wsgi(
        f"/needs/{need.pk}/edit/",
        f"multipart/form-data; boundary={BOUNDARY}",
        body,
        cookie=session_cookie(alice),
    )

    assert status == 413
    assert "提交的内容过大" in content
    assert body.read_bytes == 0


def test_an_upload_over_the_file_limit_stops_being_read_at_the_limit(
    alice: User, wsgi: Any
) -> None:
    need = NeedFactory(organization=alice.organization)
    body = multipart_file(settings.ATTACHMENT_MAX_BYTES + 10 * MB)

    status, content, _type = wsgi(
        f"/needs/{need.pk}/edit/",
        f"multipart/form-data; boundary={BOUNDARY}",
        body,
        cookie=session_cookie(alice),
    )

    assert status == 413
    assert "单个文件不能超过 20 MB" in content
    # Django reads in 64 KB chunks: the read stops within one chunk of the limit.
    assert body.read_bytes <= settings.ATTACHMENT_MAX_BYTES + MB
    assert Attachment.objects.count() == 0


def test_an_upload_under_the_limit_still_reaches_the_form(alice: User, wsgi: Any) -> None:
    need = NeedFactory(organization=alice.organization)
    body = multipart_file(2 * MB)

    status, content, _type = wsgi(
        f"/needs/{need.pk}/edit/",
        f"multipart/form-data; boundary={BOUNDARY}",
        body,
        cookie=session_cookie(alice),
    )

    assert status == 200  # the form again, with what is missing
    assert body.read_bytes == body.size
    assert "提交的内容过大" not in content


def test_too_many_files_get_a_clear_400(alice: User, alice_client: Client) -> None:
    pdf = attachment_bytes_for_tests("pdf")
    files = [
        SimpleUploadedFile(f"{i}.pdf", pdf) for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    ]
    token = Token.objects.create(user=alice).key

    response = Client().post(
        "/api/needs/", {"attachment": [*files, files[0]]}, HTTP_AUTHORIZATION=f"Token {token}"
    )

    assert response.status_code == 400
    assert CHINESE.search(response.json()["detail"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("方案.pdf", b"<html><body><script>alert(1)</script></body></html>"),
        ("方案.pdf", b"MZ\x90\x00" + b"\0" * 200),
        ("方案.txt", attachment_bytes_for_tests("pdf")),
        ("方案.html", b"<html></html>"),
        ("方案.pdf.exe", b"MZ\x90\x00" + b"\0" * 200),
        ("方案.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ],
)
def test_the_need_form_refuses_files_by_their_content(
    alice: User, alice_client: Client, name: str, content: bytes
) -> None:
    response = alice_client.post(
        "/needs/new/", need_form(attachment=SimpleUploadedFile(name, content, "application/pdf"))
    )

    assert response.status_code == 200  # the form again
    assert "不支持的文件类型" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_the_need_form_stores_a_real_pdf_as_pdf(alice: User, alice_client: Client) -> None:
    upload = SimpleUploadedFile("方案.pdf", attachment_bytes_for_tests("pdf"), "text/html")

    response = alice_client.post("/needs/new/", need_form(attachment=upload))

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.mime_type == "application/pdf"  # from the bytes, not the browser's word
    download = alice_client.get(f"/attachments/{attachment.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
