"""The three registers: enterprise needs (技术需求), research results (科技成果), experts."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.validators import (
    CONTACT_PHONE_MAX_LENGTH,
    validate_cn_contact_phone,
    validate_region_code,
)
from portal.models.reference import CooperationMode, IPType, MaturityLevel, TechField
from portal.models.validators import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    validate_amount,
    validate_deadline_horizon,
)
from portal.reference.regions import region_full_name


class PostingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    REJECTED = "rejected", _("已退回")
    CLOSED = "closed", _("已关闭")
    EXPIRED = "expired", _("已过期")


class Posting(models.Model):
    """What needs, results and experts share: owner, lifecycle, review and search text."""

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fields = models.ManyToManyField(TechField, verbose_name=_("技术领域"), related_name="+")
    keywords = models.CharField(
        _("关键词"), max_length=300, blank=True, help_text=_("多个关键词用逗号或顿号分隔")
    )
    region_code = models.CharField(
        _("所在地区"), max_length=6, validators=[validate_region_code], db_index=True
    )
    cooperation_modes = models.ManyToManyField(
        CooperationMode, verbose_name=_("合作方式"), blank=True, related_name="+"
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"),
        max_length=CONTACT_PHONE_MAX_LENGTH,
        blank=True,
        validators=[validate_cn_contact_phone],
        help_text=_("手机号码，或带区号的固定电话，如 0531-88888888"),
    )
    contact_email = models.EmailField(_("联系邮箱"), blank=True)

    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=PostingStatus.choices,
        default=PostingStatus.DRAFT,
        db_index=True,
    )
    reject_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    # "Members first": while members_first_until >= today, a published posting is open only
    # to its owners, bureau staff and the members of this alliance; then to everyone.
    # The owner chooses the days; the date is counted from publication (set on approval).
    members_first_alliance = models.ForeignKey(
        "accounts.Alliance",
        verbose_name=_("成员优先联盟"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members_first_days = models.PositiveSmallIntegerField(
        _("成员优先天数"), null=True, blank=True, help_text=_("发布后仅联盟成员可见的天数（1–90）")
    )
    members_first_until = models.DateField(_("成员优先截止日期"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    last_confirmed_at = models.DateTimeField(_("最近确认时间"), null=True, blank=True)
    reconfirm_requested_at = models.DateTimeField(_("提醒确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # jieba tokens of the searchable text, space-separated, written by the services with the
    # matching engine's tokeniser; PostgreSQL indexes to_tsvector('simple', search_tokens).
    search_tokens = models.TextField(editable=False, blank=True, default="")

    attachments = GenericRelation("portal.Attachment")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title  # type: ignore[attr-defined, no-any-return]

    @property
    def region_name(self) -> str:
        return region_full_name(self.region_code)

    @property
    def keyword_list(self) -> list[str]:
        text = self.keywords
        for sep in "，、;；|/\n":
            text = text.replace(sep, ",")
        return [word.strip() for word in text.split(",") if word.strip()]

    @property
    def is_public(self) -> bool:
        return self.status == PostingStatus.PUBLISHED

    @property
    def members_first_active(self) -> bool:
        """Held back for an alliance's members today (public after members_first_until)."""
        return (
            self.members_first_alliance_id is not None
            and self.members_first_until is not None
            and self.members_first_until >= timezone.localdate()
        )

    @property
    def members_first_public_on(self) -> date | None:
        """The first day everyone may see it (the day after members_first_until)."""
        if self.members_first_until is None:
            return None
        return self.members_first_until + timedelta(days=1)

    @property
    def needs_reconfirm(self) -> bool:
        """Published and not confirmed within POSTING_RECONFIRM_DAYS."""
        if self.status != PostingStatus.PUBLISHED or self.last_confirmed_at is None:
            return False
        age = timezone.now() - self.last_confirmed_at
        return age > timedelta(days=settings.POSTING_RECONFIRM_DAYS)


class Need(Posting):
    """企业技术需求: a problem in the enterprise's own words."""

    CONFIDENTIAL_CHOICES = [
        ("description", _("需求描述")),
        ("budget", _("预算")),
        ("organization", _("企业名称")),
        ("contact", _("联系方式")),
    ]

    title = models.CharField(_("需求名称"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("需求描述"), max_length=TEXT_MAX_LENGTH)
    budget_min = models.DecimalField(
        _("预算下限(万元)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_amount],
    )
    budget_max = models.DecimalField(
        _("预算上限(万元)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_amount],
    )
    expected_maturity = models.ForeignKey(
        MaturityLevel,
        verbose_name=_("期望成熟度"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(
        _("截止日期"), null=True, blank=True, validators=[validate_deadline_horizon]
    )
    confidential_fields = models.JSONField(_("保密字段"), default=list, blank=True)

    # Every edit with who and when, for staff; search_tokens is derived text, left out.
    history = HistoricalRecords(excluded_fields=["search_tokens"])

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "region_code"], name="need_status_region"),
            # the register's order (Meta.ordering): a list's first page reads 20 index entries
            # instead of sorting every visible posting (0.4 s at 100,000 needs, issue 16)
            models.Index(fields=["-published_at", "-created_at"], name="need_published"),
        ]


class Result(Posting):
    """科技成果: what a research team offers."""

    title = models.CharField(_("成果名称"), max_length=TITLE_MAX_LENGTH)
    summary = models.TextField(_("成果简介"), max_length=TEXT_MAX_LENGTH)
    maturity = models.ForeignKey(
        MaturityLevel,
        verbose_name=_("成熟度"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trl = models.PositiveSmallIntegerField(
        _("技术就绪度(TRL)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    ip_types = models.ManyToManyField(
        IPType, verbose_name=_("知识产权类型"), blank=True, related_name="+"
    )
    patent_numbers = models.CharField(_("专利号"), max_length=500, blank=True)
    asking_price = models.DecimalField(
        _("转让/许可价格(万元)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_amount],
        help_text=_("留空表示面议"),
    )
    team = models.TextField(_("团队介绍"), max_length=5000, blank=True)
    institution_name = models.CharField(
        _("完成单位"), max_length=100, blank=True, help_text=_("留空则为所属机构")
    )

    # Every edit with who and when, for staff; search_tokens is derived text, left out.
    history = HistoricalRecords(excluded_fields=["search_tokens"])

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "region_code"], name="result_status_region"),
            # the register's order (Meta.ordering): a list's first page reads 20 index entries
            # instead of sorting every visible posting (0.4 s at 100,000 needs, issue 16)
            models.Index(fields=["-published_at", "-created_at"], name="result_published"),
        ]


class Expert(Posting):
    """科技专家: a profile, linked to a user or kept by staff as a ledger entry."""

    class Title(models.TextChoices):
        PROFESSOR = "professor", _("教授")
        ASSOC_PROFESSOR = "assoc_professor", _("副教授")
        RESEARCHER = "researcher", _("研究员")
        ASSOC_RESEARCHER = "assoc_researcher", _("副研究员")
        SENIOR_ENGINEER = "senior_engineer", _("高级工程师")
        PROF_SENIOR_ENGINEER = "prof_senior_engineer", _("正高级工程师")
        ENGINEER = "engineer", _("工程师")
        OTHER = "other", _("其他")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关联账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=50)
    institution_name = models.CharField(_("工作单位"), max_length=100, blank=True)
    title = models.CharField(_("职称"), max_length=30, choices=Title.choices)
    biography = models.TextField(_("个人简介"), max_length=20000, blank=True)
    representative_results = models.TextField(_("代表性成果"), max_length=20000, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("可同时承接对接数"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    willing_commissioner = models.BooleanField(_("愿意担任产业特派员"), default=False)

    # Every edit with who and when, for staff; search_tokens is derived text, left out.
    history = HistoricalRecords(excluded_fields=["search_tokens"])

    class Meta:
        verbose_name = _("科技专家")
        verbose_name_plural = _("科技专家")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "region_code"], name="expert_status_region"),
            # the register's order (Meta.ordering): a list's first page reads 20 index entries
            # instead of sorting every visible posting (0.4 s at 100,000 needs, issue 16)
            models.Index(fields=["-published_at", "-created_at"], name="expert_published"),
        ]

    def __str__(self) -> str:
        return self.name


class Attachment(models.Model):
    """A file attached to a need, result or expert; stored under MEDIA_ROOT, never public."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    mime_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_owner")]

    def __str__(self) -> str:
        return self.original_name
