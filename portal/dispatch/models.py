"""Experts dispatched to enterprises (产业特派员 / 百名专家进千企).

A :class:`Round` serves a set of enterprises (:class:`RoundEnterprise`) with the experts who
volunteer for it (:class:`Volunteer`, with a capacity and the fields and districts they
cover). The optimiser (:mod:`portal.dispatch.assignment`) proposes :class:`Assignment` rows;
staff pin or swap them and publish. Experts log :class:`Visit` rows; the enterprise confirms
and rates each; a visit that proposes a cooperation creates or advances a pair
(:mod:`matching.pairs.programmes`). The rules live in :mod:`portal.dispatch.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_region_code
from portal.reference.regions import region_full_name

USER = settings.AUTH_USER_MODEL


class Round(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("征集中")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("名称"), max_length=200)
    summary = models.TextField(_("说明"), max_length=5000, blank=True)
    region_code = models.CharField(
        _("地区"), max_length=6, validators=[validate_region_code], db_index=True
    )
    fields = models.ManyToManyField(
        "portal.TechField", verbose_name=_("服务领域"), blank=True, related_name="+"
    )
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    min_score = models.FloatField(
        _("最低匹配分"),
        default=0.5,
        validators=[MinValueValidator(0)],
        help_text=_("低于此分不派遣，企业列为未服务并说明原因。"),
    )
    visit_due_days = models.PositiveSmallIntegerField(
        _("首次走访期限(天)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solved_at = models.DateTimeField(_("求解时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("派遣批次")
        verbose_name_plural = _("派遣批次")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="round_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def region_name(self) -> str:
        return region_full_name(self.region_code)


class RoundEnterprise(models.Model):
    """An enterprise the round serves, with the open needs it is matched on and the
    organisations it does not want to receive experts from (competitors)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="enterprises")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    needs = models.ManyToManyField(
        "portal.Need", verbose_name=_("技术需求"), blank=True, related_name="+"
    )
    excluded = models.ManyToManyField(
        "accounts.Organization", verbose_name=_("回避单位"), blank=True, related_name="+"
    )
    unserved_reason = models.CharField(_("未服务原因"), max_length=30, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务企业")
        verbose_name_plural = _("服务企业")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="roundenterprise_unique")
        ]

    def __str__(self) -> str:
        return str(self.organization)


class Volunteer(models.Model):
    """An expert who volunteers for the round: how many enterprises at once, which fields
    and districts (region codes) they cover."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="volunteers")
    expert = models.ForeignKey(
        "portal.Expert", verbose_name=_("专家"), on_delete=models.CASCADE, related_name="+"
    )
    capacity = models.PositiveSmallIntegerField(
        _("可服务企业数"), validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    fields = models.ManyToManyField(
        "portal.TechField", verbose_name=_("服务领域"), related_name="+"
    )
    districts = models.JSONField(_("服务区县"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报名专家")
        verbose_name_plural = _("报名专家")
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="volunteer_unique")]

    def __str__(self) -> str:
        return str(self.expert)


class Assignment(models.Model):
    """An expert sent to an enterprise: proposed by the optimiser or pinned by staff."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    enterprise = models.ForeignKey(
        RoundEnterprise, on_delete=models.CASCADE, related_name="assignments"
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="assignments")
    score = models.FloatField(_("匹配得分"), default=0.0)
    need = models.ForeignKey(
        "portal.Need",
        verbose_name=_("最相关需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned = models.BooleanField(_("人工指定"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("派遣安排")
        verbose_name_plural = _("派遣安排")
        ordering = ["round", "enterprise", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "volunteer"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.enterprise}"


class Visit(models.Model):
    """One visit or remote session an assigned expert logged, confirmed and rated by the
    enterprise."""

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("现场走访")
        REMOTE = "remote", _("远程服务")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(_("服务日期"))
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices)
    problem = models.TextField(_("诊断的问题"), max_length=5000)
    advice = models.TextField(_("提出的建议"), max_length=5000)
    next_step = models.CharField(_("下一步"), max_length=500, blank=True)
    logged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(_("企业确认时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("评分"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("评价"), max_length=1000, blank=True)
    rated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("提出的合作"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.date}"
