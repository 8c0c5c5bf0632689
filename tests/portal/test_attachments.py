from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.models import Attachment
from portal.services.attachments import OLE2_MAGIC, attachment_add, attachment_bytes_for_tests
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("方案.pdf", attachment_bytes_for_tests("pdf"), "application/pdf"),
        ("现场.png", attachment_bytes_for_tests("png"), "image/png"),
        (
            "说明.docx",
            attachment_bytes_for_tests("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("旧表.xls", OLE2_MAGIC + b"\0" * 600, "application/vnd.ms-excel"),
    ],
)
def test_allowed_files_are_stored_with_the_type_their_content_shows(
    alice, name, content, mime
) -> None:
    need = NeedFactory(organization=alice.organization)

    attachment = attachment_add(posting=need, by=alice, upload=SimpleUploadedFile(name, content))

    assert attachment.mime_type == mime
    assert attachment.original_name == name
    assert name not in attachment.file.name  # stored under a random name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("病毒.exe", b"MZ\x90\x00" + b"\0" * 100),
        ("伪装.pdf", b"MZ\x90\x00" + b"\0" * 100),
        ("伪装.docx", b"PK\x03\x04not really a zip"),
        ("网页.png", b"<html><script>alert(1)</script></html>"),
        ("伪装.doc", b"%PDF-1.4 not ole"),
        ("空.pdf", b""),
    ],
)
def test_disallowed_or_disguised_files_are_refused(alice, name, content) -> None:
    need = NeedFactory(organization=alice.organization)

    with pytest.raises(ValidationError) as caught:
        attachment_add(posting=need, by=alice, upload=SimpleUploadedFile(name, content))

    assert "attachment" in caught.value.message_dict
    assert Attachment.objects.count() == 0


def test_files_over_the_limit_are_refused(alice, settings) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1000
    need = NeedFactory(organization=alice.organization)
    upload = SimpleUploadedFile("大.pdf", attachment_bytes_for_tests("pdf") + b"0" * 2000)

    with pytest.raises(ValidationError):
        attachment_add(posting=need, by=alice, upload=upload)


def test_other_organisations_may_not_attach_files(charlie, org_a) -> None:
    need = NeedFactory(organization=org_a)

    with pytest.raises(PermissionDenied):
        attachment_add(
            posting=need,
            by=charlie,
            upload=SimpleUploadedFile("a.pdf", attachment_bytes_for_tests("pdf")),
        )


def test_attachments_of_a_confidential_description_are_served_only_to_the_owner(
    alice, org_a
) -> None:
    need = NeedFactory(organization=org_a, confidential_fields=["description"])
    attachment = attachment_add(
        posting=need,
        by=alice,
        upload=SimpleUploadedFile("a.pdf", attachment_bytes_for_tests("pdf")),
    )
    owner = Client()
    owner.force_login(alice)

    assert Client().get(f"/attachments/{attachment.pk}/").status_code == 403
    response = owner.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
