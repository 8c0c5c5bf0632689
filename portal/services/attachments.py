"""Attachments of postings: type checked by content, stored under MEDIA_ROOT, never public."""

from __future__ import annotations

import io
import logging
import threading
import uuid
import zipfile
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from portal import access
from portal.models import Attachment

if TYPE_CHECKING:
    from accounts.models import User

OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
# Extension → the MIME type we serve it as, grouped by how the content is recognised.
SNIFFED_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
OOXML_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE2_TYPES = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
MAX_ATTACHMENTS_PER_POSTING = 20

logger = logging.getLogger(__name__)
# Files stored during the current request: (storage, name). None outside requests.
_request_files = threading.local()


def _bad_type() -> ValidationError:
    return ValidationError(
        {
            "attachment": [
                _("不支持的文件类型：仅支持 PDF、图片（JPG/PNG/GIF/WebP）和 Office 文件。")
            ]
        }
    )


def detect_mime_type(*, name: str, head: bytes, stream: Any) -> str:
    """The MIME type of an upload, from its content; raises when content and name disagree."""
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext in SNIFFED_TYPES:
        kind = filetype.guess(head)
        if kind is None or kind.mime != SNIFFED_TYPES[ext]:
            raise _bad_type()
        return SNIFFED_TYPES[ext]
    if ext in OOXML_TYPES:
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise _bad_type() from None
        if "[Content_Types].xml" not in names:
            raise _bad_type()
        return OOXML_TYPES[ext]
    if ext in OLE2_TYPES:
        if not head.startswith(OLE2_MAGIC):
            raise _bad_type()
        return OLE2_TYPES[ext]
    raise _bad_type()


@transaction.atomic
def attachment_add(*, posting: Any, by: User, upload: UploadedFile) -> Attachment:
    """Store an upload for a posting after checking its size and content type."""
    if not access.can_write(by, posting):
        raise PermissionDenied(_("您没有权限为此信息上传附件。"))
    return attachment_store(owner=posting, by=by, upload=upload)


def upload_check(upload: UploadedFile, *, rename: bool = True) -> tuple[str, str, int]:
    """Refuse an upload that is too large, empty or not of an allowed type by its bytes;
    unless ``rename`` is false, give it a random stored name (the original is returned, for
    display only)."""
    size = upload.size or 0
    if size > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"attachment": [_("文件不能超过 %(mb)s MB。") % {"mb": limit}]})
    if size == 0:
        raise ValidationError({"attachment": [_("文件内容为空。")]})
    name = PurePath(upload.name or "file").name[-200:]
    upload.seek(0)
    head = upload.read(8192)
    mime = detect_mime_type(name=name, head=head, stream=upload)
    upload.seek(0)
    if not rename:
        return name, mime, size
    ext = PurePath(name).suffix.lower()
    # A random stored name: the original one is kept for display only, never used on disk.
    upload.name = f"{uuid.uuid4().hex}{ext}"
    return name, mime, size


def attachment_store(*, owner: Any, by: User, upload: UploadedFile) -> Attachment:
    """Check an upload's size and content (by its bytes, not its name) and store it for
    ``owner`` under a random name. The caller has checked that ``by`` may write to it."""
    posting = owner
    name, mime, size = upload_check(upload)
    content_type = ContentType.objects.get_for_model(type(posting))
    if (
        Attachment.objects.filter(content_type=content_type, object_id=posting.pk).count()
        >= MAX_ATTACHMENTS_PER_POSTING
    ):
        raise ValidationError({"attachment": [_("每条信息最多上传 20 个附件。")]})
    attachment = Attachment(
        content_type=content_type,
        object_id=posting.pk,
        file=upload,
        original_name=name,
        mime_type=mime,
        size=size,
        uploaded_by=by,
    )
    attachment.save()
    stored = getattr(_request_files, "names", None)
    if stored is not None:
        stored.append((attachment.file.storage, attachment.file.name))
    return attachment


def request_files_track(**_kwargs: Any) -> None:
    """request_started: note the uploads this request stores (see request_files_sweep)."""
    _request_files.names = []


def request_files_sweep(**_kwargs: Any) -> None:
    """request_finished: remove the files this request stored whose row was not committed.

    A FileField writes the upload before its row is inserted; when the transaction rolls
    back (the database went away, the commit failed) the row is gone but the file would stay
    on disk, kept though the user was told the posting failed. If the database still cannot
    answer, the files are left and logged.
    """
    stored = getattr(_request_files, "names", None)
    _request_files.names = None
    if not stored:
        return
    try:
        kept = set(
            Attachment.objects.filter(file__in=[name for _s, name in stored]).values_list(
                "file", flat=True
            )
        )
    except DatabaseError:
        logger.exception("attachments: could not check %s stored files", len(stored))
        return
    for storage, name in stored:
        if name not in kept:
            logger.warning("attachments: removing %s, its row was not saved", name)
            storage.delete(name)


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by: User) -> None:
    posting = attachment.owner
    if posting is None or not access.can_write(by, posting):
        raise PermissionDenied(_("您没有权限删除此附件。"))
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path) if path else None)


def attachment_bytes_for_tests(kind: str) -> bytes:
    """Minimal valid files of each family (used by tests and the demo)."""
    if kind == "pdf":
        return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if kind == "png":
        return bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
    if kind == "docx":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<document/>")
        return buffer.getvalue()
    raise ValueError(kind)
