"""The registers' field rules, attached to the model fields so that every way in (browser form,
API, spreadsheet import, admin) checks them through ``full_clean`` with the same message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 100
TEXT_MAX_LENGTH = 20000
# 万元: a hundred billion yuan is more than any single cooperation the portal will see.
AMOUNT_MAX = Decimal("1000000")
DEADLINE_MAX_YEARS = 10


def deadline_latest(today: date | None = None) -> date:
    """The latest deadline accepted: DEADLINE_MAX_YEARS after today (28 Feb for 29 Feb)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + DEADLINE_MAX_YEARS)
    except ValueError:
        return today.replace(year=today.year + DEADLINE_MAX_YEARS, day=28)


def validate_deadline_horizon(value: date) -> None:
    latest = deadline_latest()
    if value > latest:
        raise ValidationError(
            _("截止日期不能晚于 %(latest)s（最多为今天起 %(years)s 年内）。"),
            code="deadline_too_far",
            params={"latest": latest.isoformat(), "years": DEADLINE_MAX_YEARS},
        )


def validate_amount(value: Decimal) -> None:
    """A sum in 万元: not negative and at most AMOUNT_MAX."""
    if value < 0:
        raise ValidationError(_("金额不能为负数。"), code="amount_negative")
    if value > AMOUNT_MAX:
        raise ValidationError(
            _("金额不能超过 %(max)s 万元，请检查单位是否为万元。"),
            code="amount_too_large",
            params={"max": f"{AMOUNT_MAX:,.0f}"},
        )
