"""Open challenge lists (揭榜挂帅) and innovation competitions (创新创业大赛) on one machinery.

A :class:`Programme` is either a challenge list (one review stage; entries bid for one of
its challenges) or a competition (several stages, entries in groups). Entries are reviewed
per stage by assigned reviewers under the stage's weighted criteria; a cut (top N or a
score) moves entries on; results go through a publicity period (公示) with objections; an
award becomes a pair (:class:`matching.pairs.models.Match`) through
:mod:`matching.pairs.programmes` and is delivered under milestones. The rules live in
:mod:`portal.challenges.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_region_code
from portal.reference.regions import region_full_name

USER = settings.AUTH_USER_MODEL


def _money(label: Any, *, required: bool = False) -> models.DecimalField:  # type: ignore[type-arg]
    """An amount in 万元, never negative."""
    return models.DecimalField(
        label,
        max_digits=12,
        decimal_places=2,
        null=not required,
        blank=not required,
        validators=[MinValueValidator(0)],
    )


class Programme(models.Model):
    class Kind(models.TextChoices):
        CHALLENGE_LIST = "challenge_list", _("揭榜挂帅榜单")
        COMPETITION = "competition", _("创新创业大赛")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("征集中")
        REVIEWING = "reviewing", _("评审中")
        PUBLICITY = "publicity", _("公示中")
        FINAL = "final", _("结果已确定")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    summary = models.TextField(_("简介"), max_length=5000, blank=True)
    region_code = models.CharField(
        _("发布地区"), max_length=6, validators=[validate_region_code], db_index=True
    )
    organizer_name = models.CharField(_("发布单位"), max_length=200, blank=True)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    entry_deadline = models.DateTimeField(_("揭榜/报名截止时间"))
    objection_days = models.PositiveSmallIntegerField(
        _("公示期(工作日)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    prize_pool = _money(_("奖金总额(万元)"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publicity_start = models.DateTimeField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateTimeField(_("公示截止"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("结果确定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("揭榜挂帅/大赛")
        verbose_name_plural = _("揭榜挂帅/大赛")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="programme_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("challenges:detail", args=[self.pk])

    @property
    def region_name(self) -> str:
        return region_full_name(self.region_code)

    @property
    def is_competition(self) -> bool:
        return self.kind == self.Kind.COMPETITION

    @property
    def entries_open(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() <= self.entry_deadline

    @property
    def objections_open(self) -> bool:
        return (
            self.status == self.Status.PUBLICITY
            and self.publicity_end is not None
            and timezone.now() <= self.publicity_end
        )


class Group(models.Model):
    """A competition's group (初创组 / 成长组): the ranking is split by group."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("组别"), max_length=50)

    class Meta:
        verbose_name = _("组别")
        verbose_name_plural = _("组别")
        ordering = ["programme", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One round of review: a challenge list has one, a competition several (初赛 → 复赛 →
    决赛). Its cut moves the best entries on: the top N of each group, or those scoring at
    least ``cut_score``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未开始")
        REVIEWING = "reviewing", _("评审中")
        CLOSED = "closed", _("已结束")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("名称"), max_length=50)
    cut_top_n = models.PositiveIntegerField(
        _("晋级名额(每组)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    cut_score = models.DecimalField(
        _("晋级分数线"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    override_reason = models.CharField(_("未评完即结束的理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("评审阶段")
        verbose_name_plural = _("评审阶段")
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "order"], name="stage_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.name}"


class Criterion(models.Model):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评审指标"), max_length=100)
    weight = models.DecimalField(
        _("权重(%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    max_score = models.PositiveSmallIntegerField(
        _("满分"), default=100, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )

    class Meta:
        verbose_name = _("评审指标")
        verbose_name_plural = _("评审指标")
        ordering = ["stage", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}%）"


class Challenge(models.Model):
    """One key technical problem of a challenge list (榜单), from a need or written here."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="challenges")
    need = models.ForeignKey(
        "portal.Need",
        verbose_name=_("来源需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("榜题名称"), max_length=200)
    problem = models.TextField(_("技术难题"), max_length=10000)
    targets = models.TextField(_("技术指标"), max_length=5000)
    funding = _money(_("支持经费(万元)"), required=True)
    duration_months = models.PositiveSmallIntegerField(
        _("实施周期(月)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    eligibility = models.TextField(_("揭榜条件"), max_length=5000, blank=True)
    deadline = models.DateTimeField(_("揭榜截止时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("榜题")
        verbose_name_plural = _("榜题")
        ordering = ["programme", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("challenges:challenge", args=[self.programme_id, self.pk])


class Entry(models.Model):
    """A bid for a challenge (揭榜) or an entry in a competition (参赛项目): a lead unit,
    possibly a consortium, a proposal, and the result or expert profile it offers."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        CONFIRMING = "confirming", _("待联合体成员确认")
        SUBMITTED = "submitted", _("已提交")
        WITHDRAWN = "withdrawn", _("已撤回")
        ELIMINATED = "eliminated", _("未晋级")
        NOT_SELECTED = "not_selected", _("未入选")
        SELECTED = "selected", _("拟入选")
        AWARDED = "awarded", _("已揭榜/获奖")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="entries")
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="entries"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    title = models.CharField(_("方案/项目名称"), max_length=200)
    proposal = models.TextField(_("技术方案"), max_length=20000)
    lead = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.ForeignKey(
        "portal.Result",
        verbose_name=_("依托成果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expert = models.ForeignKey(
        "portal.Expert",
        verbose_name=_("负责专家"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    budget = _money(_("申请经费(万元)"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("当前阶段"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decision_reason = models.CharField(_("评定理由"), max_length=1000, blank=True)
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    prize = _money(_("奖金(万元)"))
    follow_up = models.BooleanField(_("列入跟踪服务"), default=False)
    follow_up_due = models.DateField(_("跟踪服务日期"), null=True, blank=True)
    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("对接配对"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("揭榜/参赛项目")
        verbose_name_plural = _("揭榜/参赛项目")
        ordering = ["programme", "challenge", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def counts(self) -> bool:
        """Submitted and every consortium member confirmed: the entry is reviewed."""
        return self.status not in (
            self.Status.DRAFT,
            self.Status.CONFIRMING,
            self.Status.WITHDRAWN,
        )


class Member(models.Model):
    """A unit of an entry: the lead (牵头单位) or a consortium member (联合体成员)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头单位")
        MEMBER = "member", _("联合单位")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    duty = models.CharField(_("承担任务"), max_length=300, blank=True)
    people = models.CharField(_("参与人员"), max_length=300, blank=True)
    budget_share = models.DecimalField(
        _("经费占比(%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("联合体成员")
        verbose_name_plural = _("联合体成员")
        ordering = ["entry", "role", "id"]  # "lead" sorts before "member"
        constraints = [
            models.UniqueConstraint(fields=["entry", "organization"], name="member_unique_org"),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(role="lead"), name="member_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}（{self.get_role_display()}）"


class Reviewer(models.Model):
    """A reviewer assigned to a stage, for one challenge (challenge lists) or for the whole
    stage (competitions): bureau staff, or an expert from the register."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="reviewers")
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="reviewers"
    )
    user = models.ForeignKey(
        USER, verbose_name=_("评审人"), on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        "portal.Expert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        constraints = [
            models.UniqueConstraint(fields=["stage", "challenge", "user"], name="reviewer_unique")
        ]

    def __str__(self) -> str:
        return str(self.user)


class Conflict(models.Model):
    """A reviewer's declared conflict of interest with an organisation (回避)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="declared_conflicts")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("回避理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回避声明")
        verbose_name_plural = _("回避声明")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="conflict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.organization}"


class Review(models.Model):
    """One reviewer's scores of one entry in one stage (per criterion), blind to the other
    reviewers until submitted."""

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="reviews")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reviews")
    scores = models.JSONField(_("各项评分"), default=dict)
    total = models.DecimalField(_("加权得分"), max_digits=7, decimal_places=2, null=True)
    comment = models.TextField(_("评审意见"), max_length=5000, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    outlier = models.BooleanField(_("离群评分"), default=False)

    class Meta:
        verbose_name = _("评审意见")
        verbose_name_plural = _("评审意见")
        constraints = [models.UniqueConstraint(fields=["reviewer", "entry"], name="review_unique")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.entry}"


class Objection(models.Model):
    """An objection filed during the publicity period (公示期异议) and how staff handled it."""

    class Handling(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="objections")
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.CASCADE, related_name="objections"
    )
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("异议理由"), max_length=5000)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    handling = models.CharField(_("处理结果"), max_length=20, choices=Handling.choices, blank=True)
    handling_note = models.TextField(_("处理说明"), max_length=5000, blank=True)
    handled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["programme", "created_at"]

    def __str__(self) -> str:
        return f"{self.programme} · {self.created_at:%Y-%m-%d}"


class Milestone(models.Model):
    """A delivery milestone of an award: 任务书签订, 中期检查, 验收."""

    class Kind(models.TextChoices):
        TASK_BOOK = "task_book", _("任务书签订")
        MIDTERM = "midterm", _("中期检查")
        ACCEPTANCE = "acceptance", _("验收")
        OTHER = "other", _("其他")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("节点"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("说明"), max_length=200, blank=True)
    due_date = models.DateField(_("计划日期"))
    done_at = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.TextField(_("完成情况"), max_length=5000, blank=True)
    document = models.FileField(_("材料"), upload_to="milestones/%Y/%m/", blank=True)
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("实施节点")
        verbose_name_plural = _("实施节点")
        ordering = ["entry", "due_date", "id"]

    def __str__(self) -> str:
        return f"{self.entry} · {self.get_kind_display()}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_date < timezone.localdate()
