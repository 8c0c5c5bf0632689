"""Writes of the alliances: staff create them; their admins and staff of their region
edit the description and add or remove member organisations. Every rule lives here, so the
pages, the API and the admin agree; each raises one ValidationError in Chinese and saves
nothing when the input is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Alliance, AllianceMembership, Organization
from portal.alliances.selectors import can_create_alliance, can_manage_alliance
from portal.services.postings import contains_html

if TYPE_CHECKING:
    from accounts.models import User

TEXT_FIELDS = ("name", "description")


def _check(alliance: Alliance, *, exclude: list[str] | None = None) -> None:
    errors: dict[str, list[str]] = {}
    try:
        alliance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field in TEXT_FIELDS:
        if contains_html(getattr(alliance, field)) and field not in errors:
            errors[field] = [_("不能包含 HTML 标签或脚本，请输入纯文本。")]
    if len(alliance.description) > 5000 and "description" not in errors:
        errors["description"] = [_("不能超过 %(n)s 个字。") % {"n": 5000}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def alliance_create(
    *,
    by: User,
    name: str,
    region_code: str,
    kind: str = Alliance.Kind.ALLIANCE,
    description: str = "",
    website: str = "",
) -> Alliance:
    """A new alliance, by bureau staff, in their jurisdiction. No members yet."""
    if not can_create_alliance(by):
        raise PermissionDenied(_("只有科技局工作人员可以创建联盟。"))
    alliance = Alliance(
        name=name.strip(),
        kind=kind,
        region_code=region_code.strip(),
        description=description.strip(),
        website=website.strip(),
        created_by=by,
    )
    _check(alliance)
    prefix = by.jurisdiction or ""
    if not alliance.region_code.startswith(prefix):
        raise ValidationError({"region_code": [_("只能在所辖地区内创建联盟。")]})
    try:
        with transaction.atomic():
            alliance.save()
    except IntegrityError as exc:
        # two staff creating the same name at once: the unique constraint decides
        raise ValidationError({"name": [_("同名联盟已存在。")]}) from exc
    return alliance


@transaction.atomic
def alliance_update(
    *, alliance: Alliance, by: User, description: str, website: str | None = None
) -> Alliance:
    """Edit the description (and the website, when given)."""
    if not can_manage_alliance(by, alliance):
        raise PermissionDenied(_("只有联盟管理员或所辖地区的科技局工作人员可以修改联盟信息。"))
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    alliance.description = description.strip()
    update_fields = ["description"]
    if website is not None:
        alliance.website = website.strip()
        update_fields.append("website")
    _check(alliance, exclude=["name"])
    alliance.save(update_fields=update_fields)
    return alliance


@transaction.atomic
def alliance_member_add(
    *,
    alliance: Alliance,
    by: User,
    organization: Organization,
    role: str = AllianceMembership.Role.MEMBER,
) -> AllianceMembership:
    """Add a verified organisation; adding a member twice is an error (409 in the API)."""
    if not can_manage_alliance(by, alliance):
        raise PermissionDenied(_("只有联盟管理员或所辖地区的科技局工作人员可以管理成员。"))
    if role not in AllianceMembership.Role.values:
        raise ValidationError({"role": [_("成员类型只能是“成员单位”或“理事长单位”。")]})
    if not organization.is_verified:
        raise ValidationError({"organization": [_("只能添加已认证的机构。")]})
    already = _("“%(name)s”已是联盟成员。") % {"name": organization.name}
    if AllianceMembership.objects.filter(alliance=alliance, organization=organization).exists():
        raise ValidationError(already, code="conflict")
    try:
        with transaction.atomic():
            membership = AllianceMembership.objects.create(
                alliance=alliance, organization=organization, role=role
            )
    except IntegrityError as exc:
        raise ValidationError(already, code="conflict") from exc
    return membership


@transaction.atomic
def alliance_member_remove(*, alliance: Alliance, by: User, organization: Organization) -> None:
    """Remove a member. Its members-first postings stay members-first for this alliance until
    their date (its own people still see them as owners)."""
    if not can_manage_alliance(by, alliance):
        raise PermissionDenied(_("只有联盟管理员或所辖地区的科技局工作人员可以管理成员。"))
    deleted, _rows = AllianceMembership.objects.filter(
        alliance=alliance, organization=organization
    ).delete()
    if not deleted:
        raise ValidationError(
            {"organization": [_("“%(name)s”不是联盟成员。") % {"name": organization.name}]}
        )
