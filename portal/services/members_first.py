"""Members first: a need or result shared first with the members of one alliance.

The owner picks an alliance that the posting's organisation belongs to and a number of days
(1–90). The days count from publication: chosen before review, the date is fixed when staff
approve the posting (and again at a later re-publication); chosen on a published posting,
they count from its publication date. Until that date, inclusive, the posting is open only
to the alliance's members, its owners and bureau staff (who broker every pair, whatever its
region); after it, to everyone
(:func:`portal.selectors.posting_list_visible_to` compares the date with today in the query,
so nothing has to run when the period ends).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AllianceMembership
from portal.models import PostingStatus

if TYPE_CHECKING:
    from portal.models.registers import Posting

# The service fields of needs and results that set it (members_first_until is derived).
FIELDS = ("members_first_alliance", "members_first_days")
MIN_DAYS = 1
MAX_DAYS = 90


def members_first_until_for(posting: Posting) -> date | None:
    """The last members-only day: publication date + days; None before publication."""
    days = posting.members_first_days
    if posting.members_first_alliance_id is None or days is None:
        return None
    if posting.status != PostingStatus.PUBLISHED or posting.published_at is None:
        return None
    return timezone.localdate(posting.published_at) + timedelta(days=days)


def members_first_errors(posting: Posting) -> dict[str, list[str]]:
    """What is wrong with the alliance and days the posting holds, per field (Chinese)."""
    alliance = posting.members_first_alliance
    days = posting.members_first_days
    errors: dict[str, list[str]] = {}
    if alliance is None and days is None:
        return errors
    if alliance is None:
        errors["members_first_alliance"] = [_("请选择成员优先的联盟，或清空成员优先天数。")]
    if days is None:
        errors["members_first_days"] = [_("请填写成员优先天数（1–90 天）。")]
    elif not MIN_DAYS <= days <= MAX_DAYS:
        errors["members_first_days"] = [
            _("成员优先天数应在 %(min)s 到 %(max)s 天之间。") % {"min": MIN_DAYS, "max": MAX_DAYS}
        ]
    if alliance is not None:
        is_member = (
            posting.organization_id is not None
            and AllianceMembership.objects.filter(
                alliance_id=alliance.pk, organization_id=posting.organization_id
            ).exists()
        )
        if not alliance.is_active:
            errors["members_first_alliance"] = [_("该联盟已停用，不能设置成员优先。")]
        elif not is_member:
            errors["members_first_alliance"] = [
                _("本机构不是“%(name)s”的成员，不能设置成员优先。") % {"name": alliance.name}
            ]
    if not errors:
        until = members_first_until_for(posting)
        if until is not None and until < timezone.localdate():
            assert posting.published_at is not None
            errors["members_first_days"] = [
                _("该信息已于 %(date)s 发布，%(days)s 天的成员优先期已经结束。")
                % {"date": timezone.localdate(posting.published_at), "days": days}
            ]
    return errors


def members_first_schedule(posting: Posting) -> bool:
    """Set ``members_first_until`` from the days and the publication date (in memory);
    True when it changed, so the caller saves the field."""
    until = members_first_until_for(posting)
    if until == posting.members_first_until:
        return False
    posting.members_first_until = until
    return True
