"""What the recommendation lists keep in the database (the source of truth; queues are hints).

- :class:`DocumentTerms`: each posting's term statistics and structured facts, tokenised once
  when it is published or edited; worker processes build their in-memory index from them.
- :class:`IndexState`: one version stamp per register, moved on every index change, so every
  process can tell that its in-memory index is behind and apply the changes; and the
  register's epoch, the set of documents whose statistics (average length, topic space,
  pruned terms) every process's index is built on, so all of them compute the same scores.
- :class:`Recommendation`: one entry of a document's ranked list, pointing at a pair
  (:class:`matching.pairs.models.Match`); lists are recomputed freely, pairs stay.
- :class:`RematchJob` / :class:`RematchChunk`: a full rematch split into chunks that several
  workers share, with progress.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    # Member of the register's current epoch (the main segment every process builds its
    # index statistics from). ``main_terms`` keeps the terms the epoch was built with once
    # the document's own terms change, so a fresh process rebuilds the very same epoch.
    in_main = models.BooleanField(_("属于当前索引代"), default=False)
    main_terms = models.JSONField(_("索引代词项"), null=True, blank=True)
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
    # Moved by a full rematch: every process rebuilds its index from the new epoch.
    epoch = models.PositiveIntegerField(_("索引代"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("索引版本")
        verbose_name_plural = _("索引版本")

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class Recommendation(models.Model):
    """One entry of a document's ranked list: "for need 7, the 2nd best result is pair 31".

    A need has two lists (results, experts), a result or an expert one (needs). The pair
    holds the score; the entry holds the rank, so the same pair appears with one score in
    the lists of both of its sides. Entries are replaced whole when a list is recomputed.
    """

    owner_kind = models.CharField(_("列表所属类型"), max_length=10, choices=DocumentKind.choices)
    owner_id = models.PositiveBigIntegerField(_("列表所属编号"))
    target_kind = models.CharField(_("推荐类型"), max_length=10, choices=DocumentKind.choices)
    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("配对"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    rank = models.PositiveSmallIntegerField(_("排名"))
    epoch = models.PositiveIntegerField(_("索引代"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推荐列表项")
        verbose_name_plural = _("推荐列表项")
        ordering = ["owner_kind", "owner_id", "target_kind", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_kind", "owner_id", "match"], name="recommendation_unique_pair"
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner_kind", "owner_id", "target_kind", "rank"],
                name="recommendation_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_kind}#{self.owner_id} → {self.target_kind} #{self.rank}"


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
