"""Validators for Chinese identifiers: 统一社会信用代码 (GB 32100), phone, region codes."""

from __future__ import annotations

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.reference.regions import is_region_code

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V); the 18th is a check
# character computed from the first 17 with these weights, modulo 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# A landline with its area code (010-12345678, 0531-8888888, extension -123 allowed) or a
# nationwide 400/800 service number (400-123-4567).
LANDLINE_RE = re.compile(r"^(0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?|[48]00-?\d{3}-?\d{4})$")
CONTACT_PHONE_MAX_LENGTH = 20


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    code = value.strip().upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value):
        raise ValidationError(
            _("统一社会信用代码无效：应为18位，且校验位符合 GB 32100 规定。"),
            code="invalid_credit_code",
        )


def validate_cn_phone(value: str) -> None:
    if not PHONE_RE.match(value.strip()):
        raise ValidationError(_("请输入有效的11位中国大陆手机号码。"), code="invalid_phone")


def is_cn_contact_phone(value: str) -> bool:
    value = value.strip()
    return bool(PHONE_RE.match(value) or LANDLINE_RE.match(value))


def validate_cn_contact_phone(value: str) -> None:
    """A contact number: a mainland mobile number or a landline with its area code."""
    if not is_cn_contact_phone(value):
        raise ValidationError(
            _("请输入有效的联系电话：11位手机号码，或带区号的固定电话（如 0531-88888888）。"),
            code="invalid_phone",
        )


def validate_region_code(value: str) -> None:
    if not is_region_code(value):
        raise ValidationError(
            _("行政区划代码 %(code)s 不存在（应为 GB/T 2260 六位代码）。"),
            code="invalid_region",
            params={"code": value},
        )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its error in Chinese: Django 5.2's zh_Hans catalogue lacks the new
    "This password is too short. It must contain at least %d characters." wording, so a short
    password was refused in English."""

    def get_error_message(self) -> str:
        message = _("密码太短，至少需要 %(min_length)d 个字符。")
        return str(message % {"min_length": self.min_length})
