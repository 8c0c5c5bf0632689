"""`make backup` / `make restore` on PostgreSQL: the demo database and its uploaded files,
backed up and restored into a new empty database, come back exactly (row count and checksum
of every table, every sequence, every file's bytes)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from portal import backup
from portal.models import Attachment, Need
from portal.services.attachments import attachment_bytes_for_tests, attachment_store
from tests.integration.conftest import _test_database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new empty database beside the test database; its URL. Dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = backup.Database({**connection.settings_dict, "NAME": "postgres"})

    def drop() -> None:
        with admin.connect_pg(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with admin.connect_pg(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _sep, _old = _test_database_url().rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        drop()


def test_the_demo_database_and_its_files_round_trip_exactly(
    empty_database: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    call_command("seed_demo", stdout=StringIO())
    seed_seconds = time.monotonic() - started
    # The demo has no uploads: attach a PDF and a PNG to a demo need.
    need = Need.objects.filter(created_by__isnull=False).order_by("pk").first()
    assert need is not None
    for name, kind in [("方案.pdf", "pdf"), ("现场.png", "png")]:
        upload = SimpleUploadedFile(name, attachment_bytes_for_tests(kind))
        attachment_store(owner=need, by=need.created_by, upload=upload)
    out = StringIO()

    call_command(
        "backup", dir=str(tmp_path / "backups"), database_url=_test_database_url(), stdout=out
    )

    backup_said = out.getvalue()
    folder = Path(backup_said.splitlines()[0])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["portal_need"]["rows"] == Need.objects.count()
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar.gz",
    ]
    restored_media = tmp_path / "restored-media"
    out = StringIO()

    call_command(
        "restore",
        str(folder),
        database_url=empty_database,
        media_root=str(restored_media),
        stdout=out,
    )

    assert "一致" in out.getvalue()
    # Read both databases here too, not only through the command's own comparison.
    with backup.Database.from_url(_test_database_url()).connect_pg() as source:
        expected = backup._pg_contents(source.cursor())
    with backup.Database.from_url(empty_database).connect_pg() as target:
        found = backup._pg_contents(target.cursor())
    assert found == expected
    assert sum(t["rows"] for t in found["tables"].values()) > 1000
    assert backup.media_contents(restored_media) == backup.media_contents(Path(settings.MEDIA_ROOT))
    for attachment in Attachment.objects.all():
        assert (restored_media / attachment.file.name).read_bytes() == attachment.file.read()
    print(
        f"seed_demo {seed_seconds:.1f} s; {backup_said}; "
        f"backup {manifest['database_bytes']} + {manifest['media_bytes']} bytes, "
        f"{out.getvalue().strip()}"
    )

    # A second restore into the now populated database is refused, and nothing changes.
    with pytest.raises(CommandError, match="不是空的"):
        call_command(
            "restore", str(folder), database_url=empty_database, media_root=str(tmp_path / "m2")
        )
    # A restore that does not match its manifest fails and names the table.
    tampered = json.loads(json.dumps(manifest))
    tampered["tables"]["portal_need"]["checksum"] = "0" * 32
    problems = backup._compare(tampered, found | {"media": manifest["media"]})
    assert len(problems) == 1
    assert problems[0].startswith("tables portal_need:")


def test_a_restore_into_a_database_of_another_kind_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "manifest.json").write_text(
        json.dumps({"format": 1, "engine": "sqlite", "database_file": "x", "media_file": "y"})
    )
    with pytest.raises(CommandError, match="SQLite"):
        call_command(
            "restore",
            str(folder),
            database_url=_test_database_url(),
            media_root=str(tmp_path / "m"),
        )
