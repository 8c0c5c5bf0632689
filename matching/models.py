"""What the matching engine keeps in the database (the source of truth; queues are only hints).

- :class:`DocumentTerms`: each posting's term statistics and structured facts, tokenised once
  when it is published or edited; worker processes build their in-memory index from them.
- :class:`IndexState`: one version stamp per register, moved on every index change, so every
  process can tell that its in-memory index is behind and apply the changes.
- :class:`Match`: a suggested pair with score and explanation; the staff workflow (issue 5)
  moves it through its stages.
- :class:`RematchJob` / :class:`RematchChunk`: a full rematch split into chunks that several
  workers share, with progress.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portal.models import Expert, Need, Result


class DocumentKind(models.TextChoices):
    NEED = "need", _("技术需求")
    RESULT = "result", _("科技成果")
    EXPERT = "expert", _("科技专家")


class DocumentTerms(models.Model):
    """Stored term statistics and facts of one posting (one row per kind + object id).

    ``is_active`` is True while the posting is published (it is in the index); ``version`` is
    the :class:`IndexState` version of the last change, so a process that knows version V
    applies exactly the rows with a larger version. ``stale`` is True from the moment the
    posting changes until its recommendations have been written again.
    """

    kind = models.CharField(_("类型"), max_length=10, choices=DocumentKind.choices)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    terms = models.JSONField(_("词项统计"), default=dict, blank=True)
    facts = models.JSONField(_("结构化特征"), default=dict, blank=True)
    token_count = models.PositiveIntegerField(_("词数"), default=0)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    is_active = models.BooleanField(_("在索引中"), default=False)
    version = models.PositiveBigIntegerField(_("索引版本"), default=0)
    stale = models.BooleanField(_("待重新匹配"), default=True)
    scored_at = models.DateTimeField(_("匹配时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("文档词项")
        verbose_name_plural = _("文档词项")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="documentterms_unique")
        ]
        indexes = [
            models.Index(fields=["kind", "version"], name="documentterms_kind_version"),
            models.Index(
                fields=["updated_at"], condition=Q(stale=True), name="documentterms_stale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id}"


def _new_generation() -> str:
    return uuid.uuid4().hex


class IndexState(models.Model):
    """The version stamp of one register's index; bumped in the transaction of each change."""

    kind = models.CharField(_("类型"), max_length=10, choices=DocumentKind.choices, unique=True)
    version = models.PositiveBigIntegerField(_("版本"), default=0)
    # Set once, when the row is created: a process whose cached index came from another
    # generation (a database rebuilt or restored, a test rolled back) rebuilds instead of
    # applying deltas.
    generation = models.CharField(_("代次"), max_length=32, default=_new_generation)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("索引版本")
        verbose_name_plural = _("索引版本")

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class MatchDirection(models.TextChoices):
    NEED_RESULT = "need_result", _("需求 → 成果")
    NEED_EXPERT = "need_expert", _("需求 → 专家")
    RESULT_NEED = "result_need", _("成果 → 需求")
    EXPERT_NEED = "expert_need", _("专家 → 需求")


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


NEED_SIDE_DIRECTIONS = (MatchDirection.NEED_RESULT, MatchDirection.NEED_EXPERT)
RESULT_DIRECTIONS = (MatchDirection.NEED_RESULT, MatchDirection.RESULT_NEED)
EXPERT_DIRECTIONS = (MatchDirection.NEED_EXPERT, MatchDirection.EXPERT_NEED)


class Match(models.Model):
    """A need paired with a result or an expert, in one direction.

    The engine writes ``suggested`` rows (score, rank, explanation); once staff decide a pair
    (any other status) the engine never touches it again. ``direction`` says which side the
    suggestion was computed for: need_result means "results for this need".
    """

    direction = models.CharField(_("方向"), max_length=20, choices=MatchDirection.choices)
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
    rank = models.PositiveSmallIntegerField(_("排名"), default=0)
    explanation = models.JSONField(_("匹配说明"), default=dict, blank=True)
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
        verbose_name = _("匹配")
        verbose_name_plural = _("匹配")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "result", "direction"],
                condition=Q(direction__in=["need_result", "result_need"]),
                name="match_unique_need_result_direction",
            ),
            models.UniqueConstraint(
                fields=["need", "expert", "direction"],
                condition=Q(direction__in=["need_expert", "expert_need"]),
                name="match_unique_need_expert_direction",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        direction__in=["need_result", "result_need"],
                        result__isnull=False,
                        expert__isnull=True,
                    )
                    | Q(
                        direction__in=["need_expert", "expert_need"],
                        expert__isnull=False,
                        result__isnull=True,
                    )
                ),
                name="match_counterpart_matches_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "direction"], name="match_status_direction"),
        ]

    def __str__(self) -> str:
        other = self.result_id if self.result_id else self.expert_id
        return f"{self.get_direction_display()} {self.need_id}/{other} ({self.status})"

    @property
    def is_decided(self) -> bool:
        """Staff have acted on this pair; the engine leaves it alone."""
        return self.status != MatchStatus.SUGGESTED

    @property
    def counterpart(self) -> Need | Result | Expert | None:
        """The document that was recommended (the result/expert, or the need)."""
        if self.direction in NEED_SIDE_DIRECTIONS:
            return self.result if self.result_id else self.expert
        return self.need


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class RematchJob(models.Model):
    """One run of rematch_all, in two phases over the same ``total`` documents.

    Phase 1 (index) brings every document's term statistics up to date (``indexed``);
    phase 2 (match) recomputes every document's suggestions (``done`` / ``failed``), so no
    document is matched against a half-built index.
    """

    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    total = models.PositiveIntegerField(_("文档总数"), default=0)
    indexed = models.PositiveIntegerField(_("已索引"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    chunk_count = models.PositiveIntegerField(_("分块数"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("全量重新匹配")
        verbose_name_plural = _("全量重新匹配")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.done}/{self.total} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, int(100 * (self.indexed + self.done + self.failed) / (2 * self.total)))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ChunkPhase(models.TextChoices):
    INDEX = "index", _("索引")
    MATCH = "match", _("匹配")


class RematchChunk(models.Model):
    """A slice of one register's documents; claimed PENDING → RUNNING by exactly one worker.

    ``attempts`` is bumped on each claim and doubles as the claim token: only the claim that
    is still current may mark the chunk done, so a requeued chunk is counted once.
    """

    job = models.ForeignKey(RematchJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField(_("序号"))
    phase = models.CharField(
        _("阶段"), max_length=10, choices=ChunkPhase.choices, default=ChunkPhase.MATCH
    )
    kind = models.CharField(_("类型"), max_length=10, choices=DocumentKind.choices)
    object_ids = models.JSONField(_("对象编号"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("重新匹配分块")
        verbose_name_plural = _("重新匹配分块")
        ordering = ["job_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="rematchchunk_unique_seq")
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="rematchchunk_status")]

    def __str__(self) -> str:
        return f"job {self.job_id} chunk {self.seq} ({self.status})"

    @property
    def size(self) -> int:
        return len(self.object_ids)


# ---------------------------------------------------------------------- the staff workflow
# Issue 5: review, brokered contact, pipeline, follow-ups and reminders. The rules (who may
# move a pair where) live in matching/workflow.py; these rows only record what happened.


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

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_status", "match"], name="matchtransition_to")]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.from_status} → {self.to_status}"


class MatchDecision(models.Model):
    """A staff approve/reject with its reason: a labelled example for tuning the engine.

    Score, rank and direction are copied at decision time so later rematches cannot
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
    direction = models.CharField(_("方向"), max_length=20, choices=MatchDirection.choices)
    score = models.FloatField(_("匹配得分"))
    rank = models.PositiveSmallIntegerField(_("排名"), default=0)
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
