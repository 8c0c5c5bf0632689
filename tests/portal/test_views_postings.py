from __future__ import annotations

import pytest
from django.test import Client

from portal.models import Need, PostingStatus
from tests.portal.conftest import client_for, need_form
from tests.portal.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "<script>alert(1)</script>"}, "不能包含 HTML 标签"),
        ({"budget_min": "100", "budget_max": "10"}, "预算上限不能低于预算下限"),
        ({"deadline": "2001-01-01"}, "截止日期不能早于今天"),
        ({"fields": []}, "请至少选择一个技术领域"),
        ({"region_code": "999999"}, "999999"),
    ],
)
def test_the_need_form_shows_chinese_errors_and_saves_nothing(
    alice_client, overrides, message
) -> None:
    response = alice_client.post("/needs/new/", need_form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Need.objects.count() == 0


def test_saving_a_draft_then_editing_it_keeps_it_a_draft(alice_client) -> None:
    alice_client.post("/needs/new/", need_form())
    need = Need.objects.get()

    response = alice_client.post(f"/needs/{need.pk}/edit/", need_form(title="改后的名称"))

    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.title, need.status) == ("改后的名称", PostingStatus.DRAFT)


def test_text_is_always_shown_escaped(org_a) -> None:
    need = NeedFactory(organization=org_a)
    Need.objects.filter(pk=need.pk).update(description="<b>粗体</b>")  # bypassing the services

    html = Client().get(f"/needs/{need.pk}/").content.decode()

    assert "&lt;b&gt;粗体&lt;/b&gt;" in html
    assert "<b>粗体</b>" not in html


def test_the_public_list_filters_searches_and_paginates() -> None:
    for i in range(25):
        NeedFactory(title=f"印染废水脱色{i}", region_code="370100")
    NeedFactory(title="风电塔筒焊接", region_code="150100", description="厚板焊接")
    client = Client()

    first = client.get("/needs/").content.decode()
    filtered = client.get("/needs/", {"region": "150100"}).content.decode()
    searched = client.get("/needs/", {"q": "焊接"}).content.decode()

    assert "1 / 2" in first
    assert "风电塔筒焊接" in filtered
    assert "印染废水脱色" not in filtered
    assert "<mark>焊接</mark>" in searched


def test_invalid_filters_show_an_error_instead_of_failing() -> None:
    response = Client().get("/needs/", {"budget_min": "-3", "field": "nope"})

    assert response.status_code == 200


def test_my_needs_lists_drafts_and_rejections_with_their_reason(alice, org_a) -> None:
    NeedFactory(
        organization=org_a,
        title="被退回的需求",
        status=PostingStatus.REJECTED,
        reject_reason="请补充预算",
    )

    html = client_for(alice).get("/needs/mine/").content.decode()

    assert "被退回的需求" in html
    assert "请补充预算" in html


def test_the_navigation_shows_pending_review_counts_to_staff(staff_client, org_a) -> None:
    NeedFactory.create_batch(2, organization=org_a, status=PostingStatus.SUBMITTED)

    home = staff_client.get("/").content.decode()
    badge = staff_client.get("/review/counts/").content.decode()

    assert "/review/counts/" in home
    assert ">2<" in badge


def test_staff_bulk_approve_from_the_queue(staff_client, org_a) -> None:
    needs = NeedFactory.create_batch(3, organization=org_a, status=PostingStatus.SUBMITTED)

    staff_client.post("/review/bulk-approve/", {"kind": "need", "ids": [n.pk for n in needs[:2]]})

    statuses = sorted(Need.objects.values_list("status", flat=True))
    assert statuses == ["published", "published", "submitted"]


def test_staff_export_the_filtered_list_to_excel(staff_client) -> None:
    NeedFactory()

    response = staff_client.get("/needs/export/", {"region": "370100"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_the_home_page_shows_register_counts() -> None:
    NeedFactory()

    html = Client().get("/").content.decode()

    assert "技术需求" in html
