"""Forms of the staff pages of challenge lists (揭榜挂帅) and competitions (创新创业大赛).

They parse input only: every rule (dates, weights adding up to 100, conflicts of interest,
missing reviews, who may act) is checked by the services, whose errors the views put back
here or show as messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portal.challenges.models import Challenge, Entry, Objection, Programme, Stage
from portal.form_errors import IdsField
from portal.forms import BootstrapMixin, _field_choices
from portal.models import Expert, TechField
from portal.reference.regions import region_choices

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
SMALL = "form-control form-control-sm"
SELECT = "form-select form-select-sm"
STAGE_ROWS = 4
GROUP_SEPARATORS = re.compile(r"[,，、;；\s]+")
CRITERION_SEPARATORS = re.compile(r"\s*[:：]\s*")


def _small(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        css = SELECT if isinstance(widget, forms.Select) else SMALL
        widget.attrs.setdefault("class", css)
        if field.label:
            widget.attrs.setdefault("aria-label", str(field.label))


def _choices(field: forms.Field, options: Iterable[tuple[Any, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(options)


# ------------------------------------------------------------------------------ programme


BASIC_FIELDS = (
    "kind",
    "title",
    "summary",
    "region_code",
    "organizer_name",
    "period_start",
    "period_end",
    "entry_deadline",
    "objection_days",
    "prize_pool",
)


def parse_criteria(text: str) -> list[dict[str, str]]:
    """ "名称:权重" or "名称:权重:满分", one a line (the service checks the numbers)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = CRITERION_SEPARATORS.split(line.strip())
        if len(parts) not in (2, 3) or not parts[0]:
            raise forms.ValidationError(
                _("第 %(n)s 行应写作“指标名称:权重”或“指标名称:权重:满分”。"),
                params={"n": number},
            )
        row = {"name": parts[0], "weight": parts[1]}
        if len(parts) == 3:
            row["max_score"] = parts[2]
        rows.append(row)
    return rows


class ProgrammeForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Programme.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=200)
    summary = forms.CharField(
        label=_("简介"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    region_code = forms.ChoiceField(label=_("发布地区"))
    organizer_name = forms.CharField(label=_("发布单位"), required=False, max_length=200)
    period_start = forms.DateField(label=_("开始日期"), widget=DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=DATE)
    entry_deadline = forms.DateTimeField(label=_("揭榜/报名截止时间"), widget=DATETIME)
    objection_days = forms.IntegerField(
        label=_("公示期(工作日)"), initial=5, help_text=_("按国家法定工作日计算，节假日顺延。")
    )
    prize_pool = forms.DecimalField(
        label=_("奖金总额(万元)"), required=False, max_digits=12, decimal_places=2
    )
    groups = forms.CharField(
        label=_("组别"),
        required=False,
        max_length=500,
        initial="初创组,成长组",
        help_text=_("仅大赛：多个组别用逗号分隔，各组分别排名晋级。"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        org = user.organization
        kwargs.setdefault(
            "initial",
            {
                "region_code": org.region_code if org is not None else "",
                "organizer_name": org.name if org is not None else "",
            },
        )
        super().__init__(*args, **kwargs)
        prefix = user.jurisdiction or ""
        regions = [c for c in region_choices(max_level=3) if c[0].startswith(prefix)]
        _choices(self.fields["region_code"], [("", _("请选择")), *regions])
        for n in range(1, STAGE_ROWS + 1):
            self.fields[f"stage_{n}_name"] = forms.CharField(
                label=_("阶段名称"), required=False, max_length=50
            )
            self.fields[f"stage_{n}_top_n"] = forms.IntegerField(
                label=_("每组晋级名额"), required=False
            )
            self.fields[f"stage_{n}_score"] = forms.DecimalField(
                label=_("晋级分数线"), required=False, max_digits=6, decimal_places=2
            )
            self.fields[f"stage_{n}_criteria"] = forms.CharField(
                label=_("评审指标"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            for part in ("name", "top_n", "score", "criteria"):
                field = self.fields[f"stage_{n}_{part}"]
                field.widget.attrs["aria-label"] = f"{field.label}（{n}）"
        example = _("例如：\n创新性:40\n商业模式:30\n团队:30")
        self.fields["stage_1_criteria"].widget.attrs["placeholder"] = str(example)
        self._style()

    def basic_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in BASIC_FIELDS]

    def stage_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "n": n,
                "name": self[f"stage_{n}_name"],
                "top_n": self[f"stage_{n}_top_n"],
                "score": self[f"stage_{n}_score"],
                "criteria": self[f"stage_{n}_criteria"],
            }
            for n in range(1, STAGE_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stages = []
        for n in range(1, STAGE_ROWS + 1):
            name = data.get(f"stage_{n}_name") or ""
            text = data.get(f"stage_{n}_criteria") or ""
            top_n = data.get(f"stage_{n}_top_n")
            score = data.get(f"stage_{n}_score")
            if not (name or text.strip() or top_n is not None or score is not None):
                continue
            try:
                criteria = parse_criteria(text)
            except forms.ValidationError as exc:
                self.add_error(f"stage_{n}_criteria", exc)
                continue
            stages.append(
                {"name": name, "cut_top_n": top_n, "cut_score": score, "criteria": criteria}
            )
        self.stages = stages
        return data

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in BASIC_FIELDS if name != "kind"}
        if data["prize_pool"] is None:
            del data["prize_pool"]
        return data

    def group_names(self) -> list[str]:
        return [g for g in GROUP_SEPARATORS.split(self.cleaned_data.get("groups") or "") if g]


# ----------------------------------------------------------------------------- challenges


class ChallengeForm(BootstrapMixin, forms.Form):
    """A challenge from a published need (its number; title, problem and funding default
    to the need's) or written here, entering the need register in the chosen fields."""

    need = forms.IntegerField(
        label=_("来源需求编号"),
        required=False,
        min_value=1,
        help_text=_("从已发布的技术需求生成榜题时填写（可在上方搜索）；直接撰写时留空。"),
    )
    title = forms.CharField(label=_("榜题名称"), required=False, max_length=200)
    problem = forms.CharField(
        label=_("技术难题"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    targets = forms.CharField(
        label=_("技术指标"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    funding = forms.DecimalField(
        label=_("支持经费(万元)"), required=False, max_digits=12, decimal_places=2
    )
    duration_months = forms.IntegerField(label=_("实施周期(月)"))
    eligibility = forms.CharField(
        label=_("揭榜条件"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = forms.DateTimeField(
        label=_("榜题揭榜截止时间"),
        required=False,
        widget=DATETIME,
        help_text=_("不填则与榜单截止时间相同。"),
    )
    keywords = forms.CharField(label=_("关键词"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "challenge_%s")
        super().__init__(*args, **kwargs)
        self.fields["fields"] = forms.ModelMultipleChoiceField(
            label=_("技术领域"),
            queryset=TechField.objects.filter(is_active=True),
            required=False,
            help_text=_("直接撰写的榜题进入需求库，按所选领域匹配成果和专家（可多选）。"),
        )
        tech = self.fields["fields"]
        assert isinstance(tech, forms.ModelMultipleChoiceField)
        tech.choices = _field_choices()
        tech.widget.attrs["size"] = 6
        self._style()

    def service_data(self) -> dict[str, Any]:
        """What was filled in: a blank title, problem or funding takes the need's."""
        skip = ("need", "fields")
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and v not in ("", None)}

    def field_ids(self) -> list[int]:
        return [f.pk for f in self.cleaned_data["fields"]]


class InviteForm(forms.Form):
    result_ids = IdsField(required=False)
    expert_ids = IdsField(required=False)


# --------------------------------------------------------------------------------- review


class ReviewerForm(forms.Form):
    """Assign bureau staff or an expert of the register (with an account) to a stage, and
    on a challenge list to one of its challenges."""

    challenge = forms.TypedChoiceField(label=_("榜题"), coerce=int)
    reviewer = forms.TypedChoiceField(
        label=_("工作人员"), required=False, coerce=int, empty_value=None
    )
    expert = forms.TypedChoiceField(
        label=_("库内专家"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        stage: Stage,
        staff: Iterable[User],
        experts: Iterable[Expert],
        challenges: Iterable[Challenge] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", f"id_s{stage.pk}_%s")
        super().__init__(*args, **kwargs)
        if stage.programme.is_competition:
            del self.fields["challenge"]
        else:
            _choices(self.fields["challenge"], [(c.pk, c.title) for c in challenges])
        _choices(
            self.fields["reviewer"],
            [("", _("选择工作人员")), *((u.pk, f"{u.get_full_name() or u}") for u in staff)],
        )
        _choices(
            self.fields["expert"],
            [
                ("", _("或选择专家")),
                *((e.pk, f"{e.name}（{e.organization or ''}）") for e in experts),
            ],
        )
        _small(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reviewer") and data.get("expert"):
            raise forms.ValidationError(_("工作人员和专家请只选一位。"))
        if not (data.get("reviewer") or data.get("expert")):
            raise forms.ValidationError(_("请选择工作人员或专家。"))
        return data


class WinnerForm(forms.Form):
    NONE = "none"

    entry = forms.ChoiceField(label=_("揭榜方"))
    reason = forms.CharField(label=_("评定理由"), required=False, max_length=1000)
    override_reason = forms.CharField(label=_("未评完即评定的理由"), required=False, max_length=500)

    def __init__(self, *args: Any, challenge: Challenge, entries: Iterable[Entry], **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_c{challenge.pk}_%s")
        super().__init__(*args, **kwargs)
        _choices(
            self.fields["entry"],
            [
                ("", _("请选择")),  # nothing preselected: a winner is chosen, never defaulted
                *((str(e.pk), f"{e.title}（{e.lead}）") for e in entries),
                (self.NONE, _("不产生揭榜方")),
            ],
        )
        _small(self)

    def entry_id(self) -> int | None:
        value = self.cleaned_data["entry"]
        return None if value == self.NONE else int(value)


class StageCloseForm(forms.Form):
    reason = forms.CharField(label=_("晋级说明"), required=False, max_length=1000)
    override_reason = forms.CharField(label=_("未评完即结束的理由"), required=False, max_length=500)

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_close{stage.pk}_%s")
        super().__init__(*args, **kwargs)
        _small(self)


# ------------------------------------------------------------------- publicity & delivery


class ObjectionForm(forms.Form):
    handling = forms.ChoiceField(
        label=_("处理结果"), choices=[("", _("请选择")), *Objection.Handling.choices]
    )
    note = forms.CharField(label=_("处理说明"), required=False, max_length=5000)

    def __init__(self, *args: Any, objection: Objection, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_o{objection.pk}_%s")
        super().__init__(*args, **kwargs)
        _small(self)


class SignForm(forms.Form):
    contract_amount = forms.DecimalField(
        label=_("合同金额(万元)"), max_digits=12, decimal_places=2, min_value=0
    )
    contract_date = forms.DateField(label=_("签约日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, entry: Entry, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_sign{entry.pk}_%s")
        super().__init__(*args, **kwargs)
        _small(self)


class MilestoneForm(forms.Form):
    done_at = forms.DateField(label=_("完成日期"), widget=DATE)
    note = forms.CharField(label=_("完成情况"), required=False, max_length=5000)

    def __init__(self, *args: Any, milestone_pk: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_m{milestone_pk}_%s")
        super().__init__(*args, **kwargs)
        _small(self)


class FollowUpForm(forms.Form):
    due = forms.DateField(label=_("跟踪服务日期"), widget=DATE)

    def __init__(self, *args: Any, entry: Entry, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_f{entry.pk}_%s")
        kwargs.setdefault("initial", {"due": entry.follow_up_due})
        super().__init__(*args, **kwargs)
        _small(self)
