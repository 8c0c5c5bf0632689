"""django-filter sets of the registers, shared by the browser lists and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.models import (
    CooperationMode,
    Expert,
    MaturityLevel,
    Need,
    PostingStatus,
    Result,
    TechField,
)
from portal.reference.regions import region_choices, region_prefix
from portal.search import search_queryset


def _m2m_exists(qs: QuerySet[Any], relation: str, target: QuerySet[Any]) -> QuerySet[Any]:
    """Filter by an M2M relation with EXISTS, so no DISTINCT and no duplicate rows."""
    model = qs.model
    through = getattr(model, relation).through
    owner = f"{model._meta.model_name}_id"
    target_field = f"{target.model._meta.model_name}__in"
    return qs.filter(
        Exists(through.objects.filter(**{owner: OuterRef("pk"), target_field: target}))
    )


class PostingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词搜索"), method="filter_q", max_length=200)
    field = django_filters.ModelChoiceFilter(
        label=_("技术领域"),
        queryset=TechField.objects.filter(is_active=True),
        to_field_name="code",
        method="filter_field",
    )
    region = django_filters.ChoiceFilter(
        label=_("地区"), choices=region_choices, method="filter_region"
    )
    mode = django_filters.ModelChoiceFilter(
        label=_("合作方式"),
        queryset=CooperationMode.objects.filter(is_active=True),
        to_field_name="code",
        method="filter_mode",
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PostingStatus.choices)
    published_from = django_filters.DateFilter(
        label=_("发布日期起"), field_name="published_at", lookup_expr="date__gte"
    )
    published_to = django_filters.DateFilter(
        label=_("发布日期止"), field_name="published_at", lookup_expr="date__lte"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.form.fields.values():
            widget = form_field.widget
            css = "form-select form-select-sm" if hasattr(widget, "choices") else "form-control"
            css = css if "form-select" in css else "form-control form-control-sm"
            widget.attrs.setdefault("class", css)
        for name in ("published_from", "published_to"):
            if name in self.form.fields:
                self.form.fields[name].widget.input_type = "date"

    def filter_q(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        ranked, terms = search_queryset(qs, value)
        self.search_terms = terms
        return ranked

    def filter_field(self, qs: QuerySet[Any], name: str, value: TechField) -> QuerySet[Any]:
        target = TechField.objects.filter(Q(pk=value.pk) | Q(parent_id=value.pk))
        return _m2m_exists(qs, "fields", target)

    def filter_region(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(region_code__startswith=region_prefix(value))

    def filter_mode(self, qs: QuerySet[Any], name: str, value: CooperationMode) -> QuerySet[Any]:
        return _m2m_exists(qs, "cooperation_modes", CooperationMode.objects.filter(pk=value.pk))

    @property
    def terms(self) -> list[str]:
        return getattr(self, "search_terms", [])


class NeedFilter(PostingFilter):
    maturity = django_filters.ModelChoiceFilter(
        label=_("期望成熟度"),
        queryset=MaturityLevel.objects.filter(is_active=True),
        to_field_name="code",
        field_name="expected_maturity",
    )
    budget_min = django_filters.NumberFilter(
        label=_("预算不低于(万元)"), method="filter_budget_min", min_value=0
    )
    budget_max = django_filters.NumberFilter(
        label=_("预算不高于(万元)"), method="filter_budget_max", min_value=0
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def filter_budget_min(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.filter(budget_max__gte=value)

    def filter_budget_max(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.filter(budget_min__lte=value)


class ResultFilter(PostingFilter):
    maturity = django_filters.ModelChoiceFilter(
        label=_("成熟度"),
        queryset=MaturityLevel.objects.filter(is_active=True),
        to_field_name="code",
        field_name="maturity",
    )
    budget_min = django_filters.NumberFilter(
        label=_("价格不低于(万元)"), field_name="asking_price", lookup_expr="gte", min_value=0
    )
    budget_max = django_filters.NumberFilter(
        label=_("价格不高于(万元)"), field_name="asking_price", lookup_expr="lte", min_value=0
    )

    class Meta:
        model = Result
        fields: list[str] = []


class ExpertFilter(PostingFilter):
    title = django_filters.ChoiceFilter(label=_("职称"), choices=Expert.Title.choices)
    willing_commissioner = django_filters.BooleanFilter(label=_("愿意担任产业特派员"))

    class Meta:
        model = Expert
        fields: list[str] = []


POSTING_FILTERS: dict[str, type[PostingFilter]] = {
    "need": NeedFilter,
    "result": ResultFilter,
    "expert": ExpertFilter,
}
