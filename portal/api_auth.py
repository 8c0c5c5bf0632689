"""The API's session authentication: DRF's, with its CSRF refusal in Chinese.

A module of its own: DRF imports the authentication classes while rest_framework.views is
still loading, so this must not import portal.api (which imports rest_framework.views)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's own refusal ("CSRF Failed: CSRF cookie not set.") is English and untranslated."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _("CSRF 校验失败：页面已过期或来源无法验证，请刷新页面后重试。")
            ) from None
