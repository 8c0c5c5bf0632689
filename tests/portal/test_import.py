from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from portal.models import Expert, Need, PostingStatus, Result
from portal.services.imports import COLUMNS, import_template, posting_export, posting_import
from tests.portal.factories import NeedFactory
from tests.portal.import_files import need_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_a_thousand_rows_with_three_bad_ones_report_exactly_those_and_save_nothing(staff) -> None:
    bad = {
        99: {"需求名称": "长" * 201},
        499: {"所在地区": "999999"},
        998: {"预算下限(万元)": 500, "预算上限(万元)": 100},
    }
    content = xlsx_bytes(need_rows(1000, bad_rows=bad))

    report = posting_import(kind="need", by=staff, name="needs.xlsx", content=content)

    assert report.total_rows == 1000
    assert report.bad_rows == [101, 501, 1000]  # spreadsheet rows: header is row 1
    assert {(e.row, e.column) for e in report.errors} == {
        (101, "需求名称"),
        (501, "所在地区"),
        (1000, "预算上限(万元)"),
    }
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in report.errors)
    assert Need.objects.count() == 0


def test_a_clean_file_imports_every_row_into_review(staff) -> None:
    content = xlsx_bytes(need_rows(30))

    report = posting_import(kind="need", by=staff, name="needs.xlsx", content=content)

    assert report.ok
    assert report.created == 30
    assert Need.objects.filter(status=PostingStatus.SUBMITTED).count() == 30
    need = Need.objects.order_by("pk").first()
    assert need is not None
    assert [f.name for f in need.fields.all()] == ["高分子材料"]
    assert need.cooperation_modes.count() == 2
    assert need.search_tokens


def test_every_kind_of_bad_cell_is_reported_with_its_column(staff) -> None:
    bad = {
        0: {"技术领域": "炼金术"},
        1: {"截止日期": "2001-01-01"},
        2: {"需求描述": "<script>alert(1)</script>"},
        3: {"预算下限(万元)": "很多"},
        4: {"需求名称": ""},
        5: {"所属机构": "不存在的公司"},
    }
    report = posting_import(
        kind="need", by=staff, name="n.xlsx", content=xlsx_bytes(need_rows(8, bad_rows=bad))
    )

    assert {(e.row, e.column) for e in report.errors} == {
        (2, "技术领域"),
        (3, "截止日期"),
        (4, "需求描述"),
        (5, "预算下限(万元)"),
        (6, "需求名称"),
        (7, "所属机构"),
    }
    assert Need.objects.count() == 0


def test_csv_files_import_too(staff) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS["need"]])
    writer.writerows(need_rows(3))

    report = posting_import(
        kind="need", by=staff, name="n.csv", content=buffer.getvalue().encode("utf-8-sig")
    )

    assert report.ok, report.errors
    assert Need.objects.count() == 3


def test_unreadable_files_and_missing_columns_are_reported_not_raised(staff) -> None:
    garbage = posting_import(kind="need", by=staff, name="n.xlsx", content=b"not a workbook")
    missing = posting_import(
        kind="need", by=staff, name="n.csv", content="需求名称\n某需求\n".encode()
    )
    wrong_type = posting_import(kind="need", by=staff, name="n.txt", content=b"x")

    assert not garbage.ok
    assert not missing.ok
    assert not wrong_type.ok
    assert "需求描述" in missing.errors[0].column
    assert Need.objects.count() == 0


def test_only_staff_may_import(alice) -> None:
    report = posting_import(kind="need", by=alice, name="n.xlsx", content=xlsx_bytes(need_rows(1)))

    assert not report.ok
    assert Need.objects.count() == 0


def test_the_templates_import_as_they_are(staff) -> None:
    for kind, model in (("need", Need), ("result", Result), ("expert", Expert)):
        content = import_template(kind=kind)
        book = openpyxl.load_workbook(io.BytesIO(content))
        rows = list(book.active.iter_rows(values_only=True))
        rows[1] = tuple(
            "" if c.kind == "org" else v for c, v in zip(COLUMNS[kind], rows[1], strict=False)
        )
        clean = xlsx_bytes([list(rows[1])], kind)

        report = posting_import(kind=kind, by=staff, name="t.xlsx", content=clean)

        assert report.ok, (kind, report.errors)
        assert model.objects.count() == 1


def test_export_hides_confidential_cells_and_neutralises_formulae(charlie, staff, org_a) -> None:
    NeedFactory(organization=org_a, title="=HYPERLINK(1)", confidential_fields=["budget"])
    content = posting_export(kind="need", queryset=Need.objects.all(), user=charlie)

    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=False))
    assert row["需求名称"] == "'=HYPERLINK(1)"
    assert row["预算上限(万元)"] in ("", None)
    assert row["联系电话"] in ("", None)


def test_the_import_page_shows_the_report(staff_client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "n.xlsx", xlsx_bytes(need_rows(3, bad_rows={1: {"所在地区": "123"}}))
    )
    response = staff_client.post("/needs/import/", {"file": upload})

    html = response.content.decode()
    assert response.status_code == 200
    assert "所在地区" in html
    assert "<td>3</td>" in html
    assert Need.objects.count() == 0
