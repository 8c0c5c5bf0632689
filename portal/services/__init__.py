"""Site-wide operations."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.models import WorkerHeartbeat


@transaction.atomic
def heartbeat_record(*, name: str, hostname: str = "") -> WorkerHeartbeat:
    """Stamp the named heartbeat row; a re-run only moves the stamp and bumps the count."""
    row, _created = WorkerHeartbeat.objects.get_or_create(
        name=name, defaults={"beat_at": timezone.now(), "hostname": hostname}
    )
    WorkerHeartbeat.objects.filter(pk=row.pk).update(
        beat_at=timezone.now(), hostname=hostname, count=F("count") + 1
    )
    row.refresh_from_db()
    return row
