"""State-changing operations on users and organisations."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User

# Which organisation types a self-registering user may create for each role.
SELF_SERVICE_ROLES: dict[str, tuple[str, ...]] = {
    Membership.Role.ENTERPRISE: (Organization.Type.ENTERPRISE,),
    Membership.Role.RESEARCHER: (Organization.Type.UNIVERSITY, Organization.Type.INSTITUTE),
    Membership.Role.EXPERT: (
        Organization.Type.UNIVERSITY,
        Organization.Type.INSTITUTE,
        Organization.Type.ENTERPRISE,
        Organization.Type.SERVICE,
    ),
}


@transaction.atomic
def user_register(
    *,
    username: str,
    password: str,
    email: str,
    phone: str,
    display_name: str,
    role: str,
    org_name: str,
    org_type: str,
    credit_code: str,
    region_code: str,
) -> User:
    """Create a user with a new, unverified organisation; all or nothing.

    Staff verify the organisation later (organization_verify); until then it is pending.
    """
    errors: dict[str, list[str]] = {}
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = [_("该角色不能自行注册，请联系科技局管理员开通。")]
    elif org_type not in SELF_SERVICE_ROLES[role]:
        errors["org_type"] = [_("所选角色与机构类型不匹配。")]
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("该用户名已被注册。")]
    if Organization.objects.filter(name=org_name.strip()).exists():
        errors["org_name"] = [_("该机构已在平台注册，请联系机构管理员或科技局工作人员。")]
    code = credit_code.strip().upper()
    if code and Organization.objects.filter(credit_code=code).exists():
        errors["credit_code"] = [_("该统一社会信用代码已被其他机构使用。")]
    user = User(username=username, email=email, phone=phone, display_name=display_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    organization = Organization(
        name=org_name.strip(), org_type=org_type, credit_code=code, region_code=region_code
    )
    for obj in (user, organization):
        try:
            obj.full_clean(exclude=["password"] if obj is user else None, validate_unique=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                key = {"name": "org_name"}.get(field, field) if obj is organization else field
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    organization.save()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@transaction.atomic
def organization_verify(*, organization: Organization, by: User) -> Organization:
    """Mark an organisation verified. Idempotent: verifying twice keeps the first stamp."""
    if not by.is_bureau_staff:
        raise PermissionDenied(_("只有科技局工作人员可以认证机构。"))
    if organization.is_verified:
        return organization
    organization.is_verified = True
    organization.verified_at = timezone.now()
    organization.verified_by = by
    # Recorded with who verified, also when called outside a request (commands, tasks).
    organization._history_user = by  # type: ignore[attr-defined]
    organization.save(update_fields=["is_verified", "verified_at", "verified_by"])
    return organization


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, email: str, phone: str) -> User:
    user.display_name = display_name
    user.email = email
    user.phone = phone
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=["display_name", "email", "phone"])
    return user


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Change a member's role (administrators only); the history keeps who and when."""
    if not by.is_admin_role:
        raise PermissionDenied(_("只有管理员可以修改用户角色。"))
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("请选择有效的角色。")})
    if membership.role == role:
        return membership
    membership.role = role
    membership._history_user = by  # type: ignore[attr-defined]
    membership.save(update_fields=["role"])
    return membership
