"""The brokered pairs: a need with a result or an expert, and the staff workflow around it
(case, transitions, decisions, responses, follow-ups, reminders). The rules of who may move
a pair where live in :mod:`matching.pairs.services`; these rows only record what happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.models import Expert, Result


class PairKind(models.TextChoices):
    NEED_RESULT = "need_result", _("需求 × 成果")
    NEED_EXPERT = "need_expert", _("需求 × 专家")


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", _("系统推荐")
    APPROVED = "approved", _("已审核")
    CONTACTED = "contacted", _("已联系")
    NEGOTIATING = "negotiating", _("洽谈中")
    INTENTION = "intention", _("达成意向")
    SIGNED = "signed", _("已签约")
    LANDED = "landed", _("已落地")
    REJECTED = "rejected", _("已否决")
    DECLINED = "declined", _("对方谢绝")
    CLOSED = "closed", _("已关闭")


class Match(models.Model):
    """A need paired with a result or with an expert: one record per pair, whichever side
    the engine found it from.

    ``score`` and ``explanation`` are the engine's one number for the pair (computed from the
    need's side, see :mod:`matching.lists.services`), the same seen from either side; the
    ranked lists (:class:`matching.lists.models.Recommendation`) point at pairs and may be
    recomputed at any time. ``status`` and everything hanging off the pair (case,
    transitions, responses, follow-ups, decisions) belong to the staff workflow, which is
    the only writer of ``status``.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=PairKind.choices)
    need = models.ForeignKey(
        "portal.Need", verbose_name=_("技术需求"), on_delete=models.CASCADE, related_name="matches"
    )
    result = models.ForeignKey(
        "portal.Result",
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="matches",
    )
    expert = models.ForeignKey(
        "portal.Expert",
        verbose_name=_("科技专家"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="matches",
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=MatchStatus.choices,
        default=MatchStatus.SUGGESTED,
        db_index=True,
    )
    score = models.FloatField(_("匹配得分"), default=0.0)
    explanation = models.JSONField(_("匹配说明"), default=dict, blank=True)
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对接配对")
        verbose_name_plural = _("对接配对")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "result"],
                condition=Q(result__isnull=False),
                name="match_unique_need_result",
            ),
            models.UniqueConstraint(
                fields=["need", "expert"],
                condition=Q(expert__isnull=False),
                name="match_unique_need_expert",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="need_result", result__isnull=False, expert__isnull=True)
                    | Q(kind="need_expert", expert__isnull=False, result__isnull=True)
                ),
                name="match_kind_has_its_counterpart",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="match_status_kind"),
            # what has waited longest at a stage (the dashboard, the review queue)
            models.Index(fields=["status", "created_at", "id"], name="match_status_created"),
        ]

    def __str__(self) -> str:
        other = self.result_id if self.result_id else self.expert_id
        return f"{self.get_kind_display()} {self.need_id}/{other} ({self.status})"

    @property
    def is_decided(self) -> bool:
        """Staff have acted on this pair."""
        return self.status != MatchStatus.SUGGESTED

    @property
    def offer(self) -> Result | Expert | None:
        """The supply side of the pair: the result or the expert."""
        return self.result if self.result_id else self.expert


class RejectReason(models.TextChoices):
    IRRELEVANT = "irrelevant", _("不相关")
    MATURITY = "maturity", _("成熟度不符")
    BUDGET = "budget", _("预算不符")
    EXISTING = "existing", _("已有合作")
    OTHER = "other", _("其他")


class MatchSide(models.TextChoices):
    NEED = "need", _("需求方")
    OFFER = "offer", _("供给方")


class ContractType(models.TextChoices):
    DEVELOPMENT = "development", _("技术开发")
    TRANSFER = "transfer", _("技术转让")
    LICENSE = "license", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")
    OTHER = "other", _("其他")


class FollowUpChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("走访")
    MEETING = "meeting", _("会议")
    ONLINE = "online", _("线上")


class MatchCase(models.Model):
    """The brokered case of one approved pair: who follows it, contacts, contract, landing.

    Created when staff approve the pair (or add it by hand). ``last_activity_at`` and
    ``next_contact_date`` are kept by the workflow services so the "需跟进" list is one query.
    """

    match = models.OneToOneField(
        Match, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="case"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_manual = models.BooleanField(_("人工添加"), default=False)
    contacts_shared_at = models.DateTimeField(_("交换联系方式时间"), null=True, blank=True)
    contract_amount = models.DecimalField(
        _("合同金额(万元)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    contract_date = models.DateField(_("签约日期"), null=True, blank=True)
    contract_type = models.CharField(
        _("合同类型"), max_length=20, choices=ContractType.choices, blank=True
    )
    contract_reg_no = models.CharField(_("技术合同登记号"), max_length=50, blank=True)
    landed_summary = models.TextField(_("落地成效"), max_length=2000, blank=True)
    landed_date = models.DateField(_("落地日期"), null=True, blank=True)
    closed_reason = models.CharField(_("关闭原因"), max_length=500, blank=True)
    last_activity_at = models.DateTimeField(_("最近跟进时间"), default=timezone.now)
    next_contact_date = models.DateField(_("下次联系日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对接案例")
        verbose_name_plural = _("对接案例")

    def __str__(self) -> str:
        return f"case of {self.match_id}"


class MatchTransition(models.Model):
    """One move of a pair from one stage to another: who, when, from, to, note."""

    match = models.ForeignKey(
        Match, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=MatchStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=MatchStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=1000, blank=True)
    # The programme (meeting, challenge, dispatch round) that made the move, if any: a label
    # and a link, so the pair's history shows where it came from without pairs importing
    # the programmes.
    source = models.CharField(_("来源"), max_length=200, blank=True)
    source_url = models.CharField(_("来源链接"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_status", "match"], name="matchtransition_to")]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.from_status} → {self.to_status}"


class MatchDecision(models.Model):
    """A staff approve/reject with its reason: a labelled example for tuning the engine.

    Score and best rank in any list are copied at decision time so later rematches cannot
    change what the staff member saw.
    """

    match = models.ForeignKey(
        Match, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="decisions"
    )
    approved = models.BooleanField(_("批准"))
    reason_code = models.CharField(
        _("否决原因"), max_length=20, choices=RejectReason.choices, blank=True
    )
    reason_text = models.CharField(_("说明"), max_length=500, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=PairKind.choices)
    score = models.FloatField(_("匹配得分"))
    rank = models.PositiveSmallIntegerField(_("最佳排名"), default=0)
    is_manual = models.BooleanField(_("人工添加"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审核样本")
        verbose_name_plural = _("审核样本")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.match_id}: {'approved' if self.approved else 'rejected'}"


class MatchResponse(models.Model):
    """One side's answer to an approved pair: accept, or decline with a reason."""

    match = models.ForeignKey(
        Match, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="responses"
    )
    side = models.CharField(_("答复方"), max_length=10, choices=MatchSide.choices)
    accepted = models.BooleanField(_("同意对接"))
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("答复时间"), default=timezone.now)

    class Meta:
        verbose_name = _("对接答复")
        verbose_name_plural = _("对接答复")
        constraints = [
            models.UniqueConstraint(fields=["match", "side"], name="matchresponse_unique_side")
        ]

    def __str__(self) -> str:
        return f"{self.match_id} {self.side}: {self.accepted}"


class FollowUp(models.Model):
    """跟进记录: a call, visit, meeting or online talk that staff logged for a pair."""

    match = models.ForeignKey(
        Match, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="followups"
    )
    date = models.DateField(_("跟进日期"))
    channel = models.CharField(_("方式"), max_length=10, choices=FollowUpChannel.choices)
    summary = models.TextField(_("情况摘要"), max_length=2000)
    next_step = models.CharField(_("下一步"), max_length=500, blank=True)
    next_contact_date = models.DateField(_("下次联系日期"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.match_id} {self.date} {self.channel}"


class FollowUpReminder(models.Model):
    """A daily reminder sent for an overdue pair; the constraint makes it once per day."""

    match = models.ForeignKey(
        Match, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.DateField(_("日期"))
    sent_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提醒对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("跟进提醒")
        verbose_name_plural = _("跟进提醒")
        constraints = [
            models.UniqueConstraint(fields=["match", "day"], name="followupreminder_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.match_id} {self.day}"
