"""Reliability: PostgreSQL drops the request's connection in the middle of a multi-row write.

An enterprise posts a need with an attachment (the need, its fields, the attachment's row and
its file are written in one transaction). Right after the attachment is saved, another
connection terminates the request's backend, as a database restart or failover would: the
user gets the portal's own error page in Chinese, and nothing of the posting is left behind,
neither rows nor the uploaded file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client

from accounts.models import Membership
from portal.models import Attachment, Need, TechField
from portal.reference.sync import reference_data_sync
from portal.services.attachments import attachment_bytes_for_tests
from tests.accounts.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def _terminate(backend_pid: int) -> None:
    """From a connection of its own, end a backend (pg_terminate_backend, superuser)."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


@pytest.fixture
def database_dies_after_the_attachment_is_saved() -> Iterator[list[int]]:
    killed: list[int] = []

    def kill(sender: type[Attachment], instance: Attachment, created: bool, **kwargs: Any) -> None:
        if created and not killed:
            backend_pid = connection.connection.info.backend_pid
            _terminate(backend_pid)
            killed.append(backend_pid)

    post_save.connect(kill, sender=Attachment, dispatch_uid="test-database-outage")
    try:
        yield killed
    finally:
        post_save.disconnect(sender=Attachment, dispatch_uid="test-database-outage")


def _media_files() -> set[Path]:
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def test_the_database_going_away_mid_request_shows_the_error_page_and_saves_nothing(
    database_dies_after_the_attachment_is_saved: list[int],
) -> None:
    reference_data_sync()
    org = OrganizationFactory(name="济南断线测试有限公司", region_code="370100")
    client = Client(raise_request_exception=False)
    client.force_login(member("ent", org, Membership.Role.ENTERPRISE))
    files_before = _media_files()
    fields_rows_before = Need.fields.through.objects.count()

    response = client.post(
        "/needs/new/",
        {
            "title": "断线时提交的需求",
            "description": "提交过程中数据库连接中断，不应留下半条记录。",
            "fields": [TechField.objects.get(code="0403").pk],
            "region_code": "370100",
            "action": "submit",
            "attachment": SimpleUploadedFile(
                "方案.pdf", attachment_bytes_for_tests("pdf"), content_type="application/pdf"
            ),
        },
    )

    assert database_dies_after_the_attachment_is_saved, "the hook never ran"
    page = response.content.decode()
    assert response.status_code == 500
    assert "服务器错误" in page or "服务暂时不可用" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    # Nothing half-saved: no need, no field rows, no attachment row, no stray file.
    assert not Need.objects.filter(organization=org).exists()
    assert Need.fields.through.objects.count() == fields_rows_before
    assert not Attachment.objects.exists()
    assert _media_files() == files_before

    # The portal works again on the next request.
    assert client.get("/needs/mine/").status_code == 200
