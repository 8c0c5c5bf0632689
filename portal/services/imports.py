"""Bulk import (staff) and .xlsx export of the registers.

Import is all-or-nothing per file: every row is parsed and validated with the same rules as
the services, every bad cell is reported (row, column, reason in Chinese), and only a file
without a single error is saved, in one transaction, with each posting entering review.
Files are read with openpyxl (.xlsx) and the csv module (.csv); nothing is parsed by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from portal import access, spreadsheets
from portal.models import CooperationMode, Expert, IPType, MaturityLevel, Need, TechField
from portal.reference.regions import region_full_name, region_table
from portal.services import postings

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User

MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 10 * 1024 * 1024
LIST_SPLIT = re.compile(r"[,，、;；|\n]+")


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str  # text | decimal | int | date | bool | region | m2m | fk | choice | org | flags
    required: bool = False
    example: str = ""


def _cols(*columns: Column) -> tuple[Column, ...]:
    return columns


CONTACT_COLUMNS = (
    Column("联系人", "contact_name", "text", example="王建国"),
    Column("联系电话", "contact_phone", "text", example="13905310001"),
    Column("联系邮箱", "contact_email", "text", example="wang@example.cn"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "need": _cols(
        Column("需求名称", "title", "text", True, "改性聚丙烯汽车保险杠低温冲击性能提升"),
        Column("需求描述", "description", "text", True, "现有材料在零下30度冲击试验中开裂……"),
        Column("技术领域", "fields", "m2m", True, "新材料"),
        Column("关键词", "keywords", "text", example="改性塑料，低温韧性"),
        Column("所在地区", "region_code", "region", True, "370100"),
        Column("预算下限(万元)", "budget_min", "decimal", example="50"),
        Column("预算上限(万元)", "budget_max", "decimal", example="100"),
        Column("合作方式", "cooperation_modes", "m2m", example="合作开发，委托开发"),
        Column("期望成熟度", "expected_maturity", "fk", example="中试"),
        Column("截止日期", "deadline", "date", example="2030-12-31"),
        *CONTACT_COLUMNS,
        Column("保密字段", "confidential_fields", "flags", example="预算"),
        Column("所属机构", "organization", "org", example="山东齐鲁新材料科技有限公司"),
    ),
    "result": _cols(
        Column("成果名称", "title", "text", True, "耐低温增韧改性聚丙烯复合材料"),
        Column("成果简介", "summary", "text", True, "采用弹性体与成核剂协同增韧……"),
        Column("技术领域", "fields", "m2m", True, "新材料"),
        Column("关键词", "keywords", "text", example="聚丙烯，增韧"),
        Column("所在地区", "region_code", "region", True, "370100"),
        Column("成熟度", "maturity", "fk", example="中试"),
        Column("技术就绪度(TRL)", "trl", "int", example="6"),
        Column("知识产权类型", "ip_types", "m2m", example="发明专利"),
        Column("专利号", "patent_numbers", "text", example="ZL202010000000.0"),
        Column("合作方式", "cooperation_modes", "m2m", example="技术转让"),
        Column("转让/许可价格(万元)", "asking_price", "decimal", example="80"),
        Column("团队介绍", "team", "text"),
        Column("完成单位", "institution_name", "text", example="山东大学"),
        *CONTACT_COLUMNS,
        Column("所属机构", "organization", "org", example="山东大学"),
    ),
    "expert": _cols(
        Column("姓名", "name", "text", True, "张海峰"),
        Column("工作单位", "institution_name", "text", example="山东大学"),
        Column("职称", "title", "choice", True, "教授"),
        Column("技术领域", "fields", "m2m", True, "新材料"),
        Column("关键词", "keywords", "text", example="高分子改性"),
        Column("所在地区", "region_code", "region", True, "370100"),
        Column("个人简介", "biography", "text"),
        Column("代表性成果", "representative_results", "text"),
        Column("合作方式", "cooperation_modes", "m2m", example="技术咨询"),
        Column("可同时承接对接数", "capacity", "int", example="3"),
        Column("愿意担任产业特派员", "willing_commissioner", "bool", example="是"),
        *CONTACT_COLUMNS,
        Column("所属机构", "organization", "org", example="山东大学"),
    ),
}

M2M_MODELS: dict[str, Any] = {
    "fields": TechField,
    "cooperation_modes": CooperationMode,
    "ip_types": IPType,
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    total_rows: int = 0
    created: int = 0
    created_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row})


class _Lookups:
    """Reference rows by code and by name, loaded once per import."""

    def __init__(self) -> None:
        self.by_model: dict[Any, dict[str, Any]] = {}
        for model in (TechField, CooperationMode, IPType, MaturityLevel):
            table: dict[str, Any] = {}
            for obj in model.objects.filter(is_active=True):
                table[obj.code] = obj
                table.setdefault(obj.name, obj)
            self.by_model[model] = table
        self.regions: dict[str, str] = {}
        for row in region_table().values():
            self.regions[row.code] = row.code
            if row.level <= 2:
                self.regions.setdefault(row.name, row.code)
                self.regions.setdefault(
                    region_full_name(row.code, english=False).replace(" ", ""), row.code
                )
        self.titles = {str(label): value for value, label in Expert.Title.choices}
        self.titles.update({value: value for value, _label in Expert.Title.choices})
        self.flags = {str(label): key for key, label in Need.CONFIDENTIAL_CHOICES}
        self.flags.update({"企业名称": "organization", "联系方式": "contact"})
        self.flags.update({key: key for key, _label in Need.CONFIDENTIAL_CHOICES})
        self.orgs: dict[str, Organization] = {}

    def org(self, name: str) -> Organization | None:
        if name not in self.orgs:
            found = Organization.objects.filter(name=name).first()
            if found is None:
                return None
            self.orgs[name] = found
        return self.orgs[name]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_cell(col: Column, raw: Any, lookups: _Lookups) -> Any:
    """Parse one cell; raises ValidationError with a Chinese message."""
    text = _text(raw)
    if col.kind == "text":
        return text
    if col.kind in ("decimal", "int"):
        if text == "":
            return None
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValidationError(_("“%(v)s”不是有效的数字。") % {"v": text[:30]}) from None
        if col.kind == "int":
            if number != number.to_integral_value():
                raise ValidationError(_("请填写整数。"))
            return int(number)
        return number
    if col.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if text == "":
            return None
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date only
            except ValueError:
                continue
        raise ValidationError(_("日期格式应为 2030-12-31。"))
    if col.kind == "bool":
        if text in ("", "否", "0", "false", "False", "N", "n"):
            return False
        if text in ("是", "1", "true", "True", "Y", "y"):
            return True
        raise ValidationError(_("请填写“是”或“否”。"))
    if col.kind == "region":
        if text == "":
            return ""
        code = lookups.regions.get(text.replace(" ", ""))
        if code is None:
            raise ValidationError(
                _("地区“%(v)s”不存在，请填写六位行政区划代码。") % {"v": text[:30]}
            )
        return code
    if col.kind == "m2m":
        table = lookups.by_model[M2M_MODELS[col.key]]
        found: list[Any] = []
        for part in LIST_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            if part not in table:
                raise ValidationError(_("“%(v)s”不存在，请按模板说明填写。") % {"v": part[:30]})
            found.append(table[part])
        return found
    if col.kind == "fk":
        if text == "":
            return None
        obj = lookups.by_model[MaturityLevel].get(text)
        if obj is None:
            raise ValidationError(_("成熟度“%(v)s”不存在。") % {"v": text[:30]})
        return obj
    if col.kind == "choice":
        if text not in lookups.titles:
            raise ValidationError(_("职称“%(v)s”不在可选范围内。") % {"v": text[:30]})
        return lookups.titles[text]
    if col.kind == "flags":
        flags: list[str] = []
        for part in LIST_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            if part not in lookups.flags:
                raise ValidationError(_("保密字段“%(v)s”无效。") % {"v": part[:30]})
            flags.append(lookups.flags[part])
        return flags
    if col.kind == "org":
        if text == "":
            return None
        org = lookups.org(text)
        if org is None:
            raise ValidationError(_("机构“%(v)s”尚未在平台注册。") % {"v": text[:50]})
        return org
    raise ValueError(col.kind)


def _read_rows(name: str, content: bytes) -> Iterator[list[Any]]:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            for row in book.active.iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()
    elif suffix == ".csv":
        text = content.decode("utf-8-sig") if content[:3] == b"\xef\xbb\xbf" else None
        if text is None:
            for encoding in ("utf-8", "gb18030"):
                try:
                    text = content.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
        if text is None:
            raise ValidationError(_("无法识别 CSV 文件的编码，请另存为 UTF-8。"))
        yield from csv.reader(io.StringIO(text))
    else:
        raise ValidationError(_("仅支持 .xlsx 和 .csv 文件。"))


def _service_data(kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    organization = values.pop("organization", None)
    return values, organization


def _validate_row(kind: str, data: dict[str, Any]) -> dict[str, list[str]]:
    """The services' own validation, without saving (same messages as the forms and API)."""
    spec = postings.SPECS[kind]
    scalars = {k: v for k, v in data.items() if k in spec.scalar_fields}
    m2m = {k: v for k, v in data.items() if k in spec.m2m_fields}
    try:
        postings._validate(spec, spec.model(**scalars), m2m, check_deadline=True)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def posting_import(*, kind: str, by: User, name: str, content: bytes) -> ImportReport:
    """Validate a whole file and, only if every row is clean, create every row (submitted)."""
    started = timezone.now()
    report = ImportReport(kind=kind)
    if not by.is_bureau_staff:
        report.errors.append(RowError(0, "", _("只有科技局工作人员可以批量导入。")))
        return report
    if len(content) > MAX_IMPORT_BYTES:
        report.errors.append(RowError(0, "", _("文件不能超过 10 MB。")))
        return report
    columns = COLUMNS[kind]
    header_of = {c.key: c.header for c in columns}
    try:
        rows = _read_rows(name, content)
        header = [_text(h) for h in next(rows, [])]
        body = list(rows)
    except ValidationError as exc:
        report.errors.append(RowError(0, "", exc.messages[0]))
        return report
    # Any unreadable file is the user's error: report it, never a 500.
    except Exception:
        report.errors.append(RowError(0, "", _("文件无法读取，请使用下载的模板。")))
        return report
    missing = [c.header for c in columns if c.required and c.header not in header]
    if missing:
        report.errors.append(RowError(1, "、".join(missing), _("缺少必填列，请使用下载的模板。")))
        return report
    if len(body) > MAX_IMPORT_ROWS:
        report.errors.append(RowError(0, "", _("单个文件最多 5000 行。")))
        return report
    lookups = _Lookups()
    parsed: list[tuple[dict[str, Any], Organization | None]] = []
    for index, raw_row in enumerate(body, start=2):
        cells = dict(zip(header, raw_row, strict=False))
        if all(_text(v) == "" for v in cells.values()):
            continue
        report.total_rows += 1
        values: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for col in columns:
            raw = cells.get(col.header)
            if col.required and _text(raw) == "":
                row_errors.append(RowError(index, col.header, _("此项为必填项。")))
                continue
            try:
                values[col.key] = _parse_cell(col, raw, lookups)
            except ValidationError as exc:
                row_errors.append(RowError(index, col.header, exc.messages[0]))
        data, organization = _service_data(kind, values)
        if not row_errors:
            for key, messages in _validate_row(kind, data).items():
                column = header_of.get(key, "")
                for message in messages:
                    row_errors.append(RowError(index, column, message))
        report.errors.extend(row_errors)
        parsed.append((data, organization))
    if report.errors:
        return report
    if not parsed:
        report.errors.append(RowError(0, "", _("文件中没有数据行。")))
        return report
    with transaction.atomic():
        for data, organization in parsed:
            posting = postings.posting_create(
                kind=kind, by=by, data=data, organization=organization, submit=True
            )
            report.created_ids.append(posting.pk)
    report.created = len(parsed)
    report.seconds = (timezone.now() - started).total_seconds()
    return report


def _workbook_bytes(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=title)
    sheet.append(header)
    for row in rows:
        sheet.append([spreadsheets.cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_template(*, kind: str) -> bytes:
    """The downloadable template: headers (required ones marked in the example row)."""
    columns = COLUMNS[kind]
    example = [c.example for c in columns]
    return _workbook_bytes(_("导入模板"), [c.header for c in columns], [example])


def _cell_value(posting: Any, col: Column) -> Any:
    if col.key == "organization":
        return posting.organization.name if posting.organization_id else ""
    value = getattr(posting, col.key)
    if col.kind == "m2m":
        return "，".join(obj.name for obj in value.all())
    if col.kind == "fk":
        return value.name if value else ""
    if col.kind == "choice":
        return posting.get_title_display()
    if col.kind == "bool":
        return "是" if value else "否"
    if col.kind == "flags":
        labels = dict(Need.CONFIDENTIAL_CHOICES)
        return "，".join(str(labels.get(v, v)) for v in value or [])
    if col.kind == "decimal":
        return float(value) if value is not None else None
    return value if value is not None else ""


def posting_export(*, kind: str, queryset: QuerySet[Any], user: User) -> bytes:
    """An .xlsx of the given (already filtered and visibility-scoped) list."""
    columns = COLUMNS[kind]
    header = [c.header for c in columns] + [_("状态"), _("发布时间"), _("编号")]

    def rows() -> Iterator[list[Any]]:
        for posting in queryset.iterator(chunk_size=500):
            hidden = access.hidden_fields(user, posting)
            row = ["" if col.key in hidden else _cell_value(posting, col) for col in columns]
            published = posting.published_at
            row += [
                posting.get_status_display(),
                timezone.localtime(published).strftime("%Y-%m-%d %H:%M") if published else "",
                posting.pk,
            ]
            yield row

    return _workbook_bytes(_("导出"), header, rows())
