from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与机构")

    def ready(self) -> None:
        # Connects the login receiver that lets MfaMiddleware skip its device query.
        from accounts import middleware  # noqa: F401
