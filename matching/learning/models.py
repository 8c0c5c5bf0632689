"""One fit of the score weights to staff decisions, kept whether or not it was applied, so
staff can see what was tried and why the weights changed (or did not)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FitVerdict(models.TextChoices):
    APPLIED = "applied", _("已启用")
    NO_GAIN = "no_gain", _("未优于现有权重")
    TOO_FEW = "too_few", _("审核样本不足")


class WeightFit(models.Model):
    """Weights fitted to the decisions on needs of one region (``scope``: a region-code
    prefix, "" for the whole site), their held-out agreement with staff before and after,
    and whether they replaced the weights in force.

    ``comparison`` holds each decided pair's rank in its list under the weights before and
    after (with both sides' region codes, so each bureau sees only its own decisions);
    computed once when fitting, so the page costs no re-scoring.
    """

    scope = models.CharField(_("适用地区"), max_length=6, blank=True, db_index=True)
    created_at = models.DateTimeField(_("拟合时间"), auto_now_add=True)
    decisions = models.PositiveIntegerField(_("审核样本数"), default=0)
    lists = models.PositiveIntegerField(_("可比较列表数"), default=0)
    pairs = models.PositiveIntegerField(_("比较对数"), default=0)
    skipped = models.PositiveIntegerField(_("无法重新评分的样本"), default=0)
    weights_before = models.JSONField(_("原权重"), default=dict)
    weights_after = models.JSONField(_("拟合权重"), default=dict)
    auc_before = models.FloatField(_("原权重一致率"), null=True, blank=True)
    auc_after = models.FloatField(_("拟合权重一致率"), null=True, blank=True)
    gain_low = models.FloatField(_("提升下限"), null=True, blank=True)
    verdict = models.CharField(_("结论"), max_length=10, choices=FitVerdict.choices)
    applied = models.BooleanField(_("已启用"), default=False, db_index=True)
    comparison = models.JSONField(_("排名对比"), default=list, blank=True)

    class Meta:
        verbose_name = _("排序权重拟合")
        verbose_name_plural = _("排序权重拟合")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"fit {self.pk} [{self.scope or '*'}] {self.verdict}"
