"""Reference data: technology fields, regions, cooperation modes, maturity, IP types.

Shipped as JSON under portal/data/ and synced into these tables after every migrate
(portal.reference.sync.reference_data_sync); staff may edit names and order in the admin.
English names (``name_en``) come from portal/reference/data/reference_en.json (fields,
modes, maturity, IP types) and regions_en.json (regions); ``display_name`` picks the one of
the active language.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.reference.regions import english_active, region_name


class ReferenceItem(models.Model):
    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The English name while English is active (when there is one), else the Chinese."""
        if self.name_en and english_active():
            return self.name_en
        return self.name


class TechField(ReferenceItem):
    """技术领域: the eight national high-tech fields (level 1) and their sub-fields."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("技术领域")
        verbose_name_plural = _("技术领域")

    @property
    def top_level_code(self) -> str:
        return self.parent.code if self.parent_id and self.parent else self.code


class Region(models.Model):
    """GB/T 2260 division; level 1 province, 2 prefecture-level city, 3 district/county."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"))
    parent_code = models.CharField(_("上级代码"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The division's own name in the active language (济南市 / Jinan)."""
        return region_name(self.code) or self.name


class CooperationMode(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("合作方式")
        verbose_name_plural = _("合作方式")


class MaturityLevel(ReferenceItem):
    """成熟度: 实验室 → 小试 → 中试 → 产业化, each covering a TRL range."""

    rank = models.PositiveSmallIntegerField(_("阶段序号"), default=0)
    trl_min = models.PositiveSmallIntegerField(_("TRL 下限"), default=1)
    trl_max = models.PositiveSmallIntegerField(_("TRL 上限"), default=9)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("成熟度")
        verbose_name_plural = _("成熟度")


class IPType(ReferenceItem):
    class Meta(ReferenceItem.Meta):
        verbose_name = _("知识产权类型")
        verbose_name_plural = _("知识产权类型")
