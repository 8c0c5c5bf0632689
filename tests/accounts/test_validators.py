from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import (
    is_valid_credit_code,
    validate_cn_phone,
    validate_region_code,
)

# Published codes of real organisations (their check characters follow GB 32100).
REAL_CODES = ["91350100M000100Y43", "911101080828461726"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_accepts_real_credit_codes(code: str) -> None:
    assert is_valid_credit_code(code)


def test_it_accepts_lower_case_input() -> None:
    assert is_valid_credit_code(REAL_CODES[0].lower())


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y4I3",  # 19 characters
        "91350100M0001O0Y43",  # letter O is not in the alphabet
        "",
    ],
)
def test_it_rejects_malformed_credit_codes(code: str) -> None:
    assert not is_valid_credit_code(code)


def test_every_single_character_change_is_detected() -> None:
    code = REAL_CODES[1]
    for position in range(18):
        for replacement in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if replacement != code[position]:
                changed = code[:position] + replacement + code[position + 1 :]
                assert not is_valid_credit_code(changed), changed


def test_the_error_message_is_chinese() -> None:
    from accounts.validators import validate_credit_code

    with pytest.raises(ValidationError) as exc:
        validate_credit_code("123")
    assert "统一社会信用代码" in exc.value.messages[0]


@pytest.mark.parametrize("phone", ["13800138000", "19912345678"])
def test_it_accepts_mainland_mobile_numbers(phone: str) -> None:
    validate_cn_phone(phone)


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "+8613800138000", "abc"])
def test_it_rejects_other_phone_numbers(phone: str) -> None:
    with pytest.raises(ValidationError):
        validate_cn_phone(phone)


def test_it_knows_gb2260_codes() -> None:
    validate_region_code("370100")  # 济南市
    validate_region_code("150100")  # 呼和浩特市
    with pytest.raises(ValidationError):
        validate_region_code("999999")
