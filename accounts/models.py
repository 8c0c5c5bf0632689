"""Users, organisations and memberships (roles); alliances of organisations."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.validators import (
    CONTACT_PHONE_MAX_LENGTH,
    validate_cn_contact_phone,
    validate_cn_phone,
    validate_credit_code,
    validate_region_code,
)
from portal.reference.regions import region_full_name, region_prefix


class User(AbstractUser):
    """A person who logs in. Their organisation and role come from their Membership."""

    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, validators=[validate_cn_phone]
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    # Who changed an account and when (staff flags, activation); the password hash and the
    # login stamp stay out: one is a secret, the other changes on every login.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def membership(self) -> Membership | None:
        return (
            Membership.objects.select_related("organization")
            .filter(user_id=self.pk)
            .order_by("id")
            .first()
        )

    @property
    def organization(self) -> Organization | None:
        membership = self.membership
        return membership.organization if membership else None

    @property
    def role(self) -> str:
        if self.is_superuser:
            return Membership.Role.ADMIN
        membership = self.membership
        return membership.role if membership else ""

    @property
    def is_bureau_staff(self) -> bool:
        """Science-bureau staff or administrators: they review, approve and broker."""
        return self.is_superuser or self.role in (Membership.Role.STAFF, Membership.Role.ADMIN)

    @property
    def is_admin_role(self) -> bool:
        return self.is_superuser or self.role == Membership.Role.ADMIN

    @property
    def jurisdiction(self) -> str | None:
        """Region-code prefix a staff member acts on; "" means everywhere; None means none."""
        if self.is_admin_role:
            return ""
        membership = self.membership
        if membership is None or membership.role != Membership.Role.STAFF:
            return None
        return region_prefix(membership.organization.region_code)


class Organization(models.Model):
    class Type(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        UNIVERSITY = "university", _("高校")
        INSTITUTE = "institute", _("科研院所")
        BUREAU = "bureau", _("政府部门(科技局)")
        SERVICE = "service", _("服务机构")

    name = models.CharField(_("机构名称"), max_length=100, unique=True)
    org_type = models.CharField(_("机构类型"), max_length=20, choices=Type.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    region_code = models.CharField(
        _("所在地区"), max_length=6, validators=[validate_region_code], db_index=True
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    website = models.URLField(_("网址"), blank=True)
    description = models.TextField(_("简介"), max_length=5000, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"),
        max_length=CONTACT_PHONE_MAX_LENGTH,
        blank=True,
        validators=[validate_cn_contact_phone],
    )
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    is_verified = models.BooleanField(_("已认证"), default=False)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认证人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    # Verification and every other edit, with who and when (shown to staff on its page).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organization_unique_credit_code",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_name(self) -> str:
        return region_full_name(self.region_code)

    @property
    def is_research_side(self) -> bool:
        return self.org_type in (self.Type.UNIVERSITY, self.Type.INSTITUTE)


class Membership(models.Model):
    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业用户")
        RESEARCHER = "researcher", _("科研人员")
        EXPERT = "expert", _("专家")
        STAFF = "staff", _("科技局工作人员")
        ADMIN = "admin", _("管理员")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    # A user's role lives here, so role changes are recorded here.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in (self.Role.STAFF, self.Role.ADMIN)


class Alliance(models.Model):
    """An industry alliance, league or city sub-platform: a named group of member
    organisations with its own page and admins. Members may share postings with each
    other first ("members first") before they become public."""

    class Kind(models.TextChoices):
        ALLIANCE = "alliance", _("产业技术创新联盟")
        LEAGUE = "league", _("联合体")
        SUB_PLATFORM = "sub_platform", _("城市子平台")

    name = models.CharField(
        _("联盟名称"), max_length=100, unique=True, error_messages={"unique": _("同名联盟已存在。")}
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ALLIANCE)
    description = models.TextField(_("简介"), max_length=5000, blank=True)
    region_code = models.CharField(
        _("所在地区"), max_length=6, validators=[validate_region_code], db_index=True
    )
    website = models.URLField(_("网址"), blank=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联盟管理员"),
        blank=True,
        related_name="administered_alliances",
    )
    members: models.ManyToManyField[Organization, AllianceMembership] = models.ManyToManyField(
        Organization,
        verbose_name=_("成员单位"),
        through="AllianceMembership",
        related_name="alliances",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("联盟")
        verbose_name_plural = _("联盟")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def region_name(self) -> str:
        return region_full_name(self.region_code)


class AllianceMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("成员单位")
        LEAD = "lead", _("理事长单位")

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("联盟"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("成员机构"),
        on_delete=models.CASCADE,
        related_name="alliance_memberships",
    )
    role = models.CharField(_("成员类型"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateField(_("加入日期"), default=timezone.localdate)

    class Meta:
        verbose_name = _("联盟成员")
        verbose_name_plural = _("联盟成员")
        ordering = ["alliance", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "organization"], name="alliance_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.alliance}"


class Notification(models.Model):
    """One in-site notice to one user about one event; ``event_key`` makes it idempotent.

    The same event (e.g. "match:42:approved") never notifies the same user twice, which the
    unique constraint enforces even when two workers race.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event_key = models.CharField(_("事件标识"), max_length=200)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), max_length=5000, blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("通知时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event_key"], name="notification_unique_event")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.user} · {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
