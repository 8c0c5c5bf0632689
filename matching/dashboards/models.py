"""Counts aggregated ahead for the dashboards (:mod:`matching.dashboards.facts`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatsFact(models.Model):
    """How many postings (or pairs) of one kind share a day, a region, a technology field
    and a flag: the dashboards sum these instead of counting 100,000-row registers on every
    request. Rebuilt whole by a beat task (``STATS_FACTS_SECONDS``); see facts.py.

    - postings (kind need/result/expert): ``day`` is the local date of publication,
      ``region_code`` the posting's, ``flag`` whether it is published now;
    - pairs (kind pair): ``day`` is the local date the pair was suggested, ``region_code``
      its need's, ``other_region_code`` its result's or expert's, ``flag`` whether it is
      still a suggestion;
    - ``field_key`` "" counts every posting (pair) once; a field code counts those in that
      field or one of its sub-fields (a pair by its need's fields), each once.
    """

    kind = models.CharField(_("类别"), max_length=8)
    day = models.DateField(_("日期"))
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    other_region_code = models.CharField(_("另一方行政区划代码"), max_length=6, blank=True)
    field_key = models.CharField(_("技术领域代码"), max_length=20, blank=True)
    flag = models.BooleanField(_("标记"))
    n = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        indexes = [models.Index(fields=["kind", "field_key", "day"], name="statsfact_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.region_code} {self.field_key}: {self.n}"


class StatsFactsBuild(models.Model):
    """The last rebuild of :class:`StatsFact` (one row): when, and how many rows."""

    computed_at = models.DateTimeField(_("统计时间"))
    rows = models.PositiveIntegerField(_("行数"))
    seconds = models.FloatField(_("耗时(秒)"))

    class Meta:
        verbose_name = _("统计汇总重建")
        verbose_name_plural = _("统计汇总重建")

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M}: {self.rows}"
