"""Private files (attachments, milestone documents, visit photos) served to whoever the
calling view has let through: always as a download, never sniffed, never cached."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404


def private_file(field: Any, name: str, content_type: str | None = None) -> FileResponse:
    """A download of ``field`` (a FieldFile) under its original ``name``; 404 when the file
    has gone from storage."""
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
