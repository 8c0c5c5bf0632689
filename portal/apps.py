from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_reference_data(sender: AppConfig, **kwargs: Any) -> None:
    from portal.reference.sync import reference_data_sync

    reference_data_sync()


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("对接平台")

    def ready(self) -> None:
        post_migrate.connect(_sync_reference_data, sender=self, dispatch_uid="portal-reference")
        from portal.services import attachments

        # An upload whose row a failed request rolled back leaves no file behind.
        request_started.connect(attachments.request_files_track, dispatch_uid="portal-files")
        request_finished.connect(attachments.request_files_sweep, dispatch_uid="portal-files")
