"""django-filter sets of the registers, shared by the browser lists and the API; and the
pieces of a filter form that reads well: a grouped field picker, a province → city → district
picker and clean, stable query strings (no empty parameters, one order)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
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
from portal.reference.regions import (
    english_active,
    region_choices,
    region_name,
    region_prefix,
    region_table,
)
from portal.search import search_queryset

ALL_FIELDS = _("全部领域")
ALL_REGIONS = _("全部地区")
REGION_LEVEL_LABELS = {1: _("省份"), 2: _("城市"), 3: _("区县")}
REGION_LEVEL_EMPTY = {1: _("全部地区"), 2: _("全部城市"), 3: _("全部区县")}


def field_choice_groups(
    *, value: str = "code", empty_label: Any = ALL_FIELDS
) -> list[tuple[Any, Any]]:
    """Technology fields grouped by their top-level field, for a ``<select>`` with
    ``<optgroup>``: the top level first in its group ("新材料（全部）") then its sub-fields.
    ``value`` is the attribute a choice submits ("code" for filters)."""
    items = list(
        TechField.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )
    children: dict[int, list[TechField]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    groups: list[tuple[Any, Any]] = [("", empty_label)]
    for top in items:
        if top.parent_id is not None:
            continue
        options = [(getattr(top, value), _("%(name)s（全部）") % {"name": top.display_name})]
        options += [(getattr(c, value), c.display_name) for c in children.get(top.pk, [])]
        groups.append((top.display_name, options))
    return groups


def region_children() -> dict[str, list[tuple[str, str]]]:
    """Each division's direct children as (code, name), ordered by code; "" → provinces.
    Names in the active language (pinyin in English)."""
    return _region_children(english_active())


@cache
def _region_children(english: bool) -> dict[str, list[tuple[str, str]]]:
    tree: dict[str, list[tuple[str, str]]] = {}
    for row in sorted(region_table().values(), key=lambda r: r.code):
        tree.setdefault(row.parent, []).append((row.code, region_name(row.code, english=english)))
    return tree


def _region_chain(code: str) -> list[str]:
    """The codes from the province down to ``code`` (empty when unknown)."""
    table = region_table()
    chain: list[str] = []
    row = table.get(code)
    while row is not None and len(chain) < 3:
        chain.insert(0, row.code)
        row = table.get(row.parent) if row.parent else None
    return chain


def region_code_of_prefix(prefix: str) -> str:
    """The division code a jurisdiction prefix names: "37" → 370000, "3701" → 370100."""
    return prefix.ljust(6, "0") if prefix else ""


def region_picker(code: str = "", *, root: str = "") -> list[dict[str, Any]]:
    """The three selects of a province → city → district picker, by name.

    ``code`` is the chosen division; ``root`` a jurisdiction prefix whose levels are fixed
    (a city bureau's staff pick among their city's districts). Each level is a dict with its
    ``level``, ``label``, ``empty`` label, ``options`` (code, name), ``selected`` code and
    whether it is ``locked``.
    """
    children = region_children()
    root_chain = _region_chain(region_code_of_prefix(root)) if root else []
    chain = _region_chain(code)
    if chain[: len(root_chain)] != root_chain:
        chain = []
    chain = chain or root_chain
    levels: list[dict[str, Any]] = []
    parent: str | None = ""
    for depth in range(3):
        selected = chain[depth] if depth < len(chain) else ""
        locked = depth < len(root_chain)
        options = children.get(parent, []) if parent is not None else []
        if locked:
            options = [o for o in options if o[0] == selected]
        levels.append(
            {
                "level": depth + 1,
                "label": REGION_LEVEL_LABELS[depth + 1],
                "empty": REGION_LEVEL_EMPTY[depth + 1],
                "options": options,
                "selected": selected,
                "locked": locked,
            }
        )
        parent = selected or None
    return levels


def has_empty_parameters(query: QueryDict) -> bool:
    """Whether a query string carries an empty value (``?q=&field=``)."""
    return any(not v.strip() for _key, values in query.lists() for v in values)


def clean_querystring(query: QueryDict, order: Iterable[str] = ()) -> str:
    """The query string without empty values, keys in a stable order (``order`` first, the
    rest alphabetically), so a link reads the same however the form was submitted."""
    first = [k for k in order if k in query]
    keys = first + sorted(k for k in query if k not in first)
    clean = QueryDict(mutable=True)
    for key in keys:
        values = [v for v in query.getlist(key) if v.strip()]
        if values:
            clean.setlist(key, values)
    return clean.urlencode()


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
        empty_label=ALL_FIELDS,
    )
    region = django_filters.ChoiceFilter(
        label=_("地区"),
        choices=lambda: region_choices(max_level=3),
        method="filter_region",
        empty_label=ALL_REGIONS,
    )
    mode = django_filters.ModelChoiceFilter(
        label=_("合作方式"),
        queryset=CooperationMode.objects.filter(is_active=True),
        to_field_name="code",
        method="filter_mode",
        empty_label=_("全部合作方式"),
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=PostingStatus.choices, empty_label=_("全部状态")
    )
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
        # Completions as the user types (portal/partials/suggestions.html fills the list).
        self.form.fields["q"].widget.attrs.update(
            {"list": "q-suggest", "autocomplete": "off", "type": "search"}
        )
        # Top-level field → field, as <optgroup>s; validation still goes through the queryset.
        self.form.fields["field"].widget.choices = field_choice_groups()
        # Any division validates; a plain <select> (pages without the picker) lists the
        # provinces and cities only, as before.
        self.form.fields["region"].widget.choices = [("", ALL_REGIONS), *region_choices(2)]

    @property
    def region_levels(self) -> list[dict[str, Any]]:
        """The province → city → district picker for the submitted region."""
        value = self.data.get("region", "") if self.data else ""
        return region_picker(value if value in region_table() else "")

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
        empty_label=_("不限"),
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
        empty_label=_("不限"),
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
    title = django_filters.ChoiceFilter(
        label=_("职称"), choices=Expert.Title.choices, empty_label=_("全部职称")
    )
    willing_commissioner = django_filters.BooleanFilter(
        label=_("愿意担任产业特派员"),
        widget=forms.Select(choices=[("", _("不限")), ("true", _("是")), ("false", _("否"))]),
    )

    class Meta:
        model = Expert
        fields: list[str] = []


POSTING_FILTERS: dict[str, type[PostingFilter]] = {
    "need": NeedFilter,
    "result": ResultFilter,
    "expert": ExpertFilter,
}
