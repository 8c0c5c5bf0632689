"""Second factor (django-otp) for bureau staff and administrators: TOTP plus recovery codes.

A user has two-step sign-in once their TOTP device is confirmed with a first code; then a
StaticDevice holds RECOVERY_CODE_COUNT one-time recovery codes (django-otp deletes a static
token when it is used). Only these services create, confirm or delete devices.
"""

from __future__ import annotations

import base64
import math

import django_otp
import qrcode
import qrcode.image.svg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "default"


def mfa_can_enrol(user: User) -> bool:
    """Two-step sign-in is offered to bureau staff and administrators."""
    return user.is_authenticated and (user.is_bureau_staff or user.is_staff)


def mfa_device(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def mfa_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_code(code: str) -> str:
    """Codes are typed with spaces or dashes now and then; recovery codes are lower case."""
    return "".join(code.split()).replace("-", "").lower()


def mfa_match(user: User, code: str) -> Device | None:
    """The confirmed device (TOTP or recovery codes) that accepts ``code``, or None.

    A recovery code matches once: django-otp deletes it. TOTP devices refuse a code that was
    already used and throttle repeated failures themselves.
    """
    code = normalise_code(code)
    if not code:
        return None
    device: Device | None = django_otp.match_token(user, code)
    return device


def mfa_retry_wait(user: User) -> int:
    """Seconds until django-otp accepts another try after wrong codes (0: now)."""
    wait = 0.0
    for device in django_otp.devices_for_user(user):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            wait = max(wait, (data["locked_until"] - timezone.now()).total_seconds())
    return max(0, math.ceil(wait))


@transaction.atomic
def mfa_enrol_start(*, user: User) -> TOTPDevice:
    """An unconfirmed TOTP device with a fresh secret (an earlier unconfirmed one is replaced)."""
    if not mfa_can_enrol(user):
        raise PermissionDenied(_("只有科技局工作人员和管理员可以启用两步验证。"))
    if mfa_enabled(user):
        raise ValidationError(_("您已启用两步验证。"))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def mfa_pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def mfa_enrol_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending device with a code from the app; return it and the recovery codes."""
    device = mfa_pending_device(user)
    if device is None:
        raise ValidationError(_("请先生成新的密钥。"))
    if not device.verify_token(normalise_code(code)):
        raise ValidationError(_("验证码不正确，请核对手机时间后输入验证器上当前的 6 位数字。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, _recovery_codes_replace(user)


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def _require_current_code(user: User, code: str) -> None:
    device = mfa_device(user)
    if device is None:
        raise ValidationError(_("您尚未启用两步验证。"))
    if not device.verify_token(normalise_code(code)):
        raise ValidationError(_("验证码不正确，请输入验证器上当前的 6 位数字。"))


@transaction.atomic
def mfa_recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New recovery codes after a current TOTP code; the old ones stop working."""
    _require_current_code(user, code)
    return _recovery_codes_replace(user)


@transaction.atomic
def mfa_disable(*, user: User, code: str, required: bool) -> None:
    """Remove the TOTP device and recovery codes after a current TOTP code.

    Refused when the platform requires two-step sign-in for this user (``required``).
    """
    if required:
        raise ValidationError(_("平台要求工作人员和管理员启用两步验证，不能关闭。"))
    _require_current_code(user, code)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in by hand."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_svg(uri: str) -> str:
    """The otpauth:// URI as an SVG QR code (pure Python, no PIL)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")  # type: ignore[no-any-return]
