"""Filters that read well on the public lists (grouped field picker, region picker by name,
no "---------", clean links) and the need page's review actions for the jurisdiction's staff."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from portal.models import PostingStatus, TechField
from tests.portal.conftest import client_for
from tests.portal.factories import ExpertFactory, NeedFactory, ResultFactory

pytestmark = pytest.mark.django_db
NEEDS = "registers:need-list"


def _titles(response: object) -> set[str]:
    return {n.title for n in response.context["page"].object_list}  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["need", "result", "expert"])
def test_the_lists_offer_grouped_fields_and_named_placeholders(kind: str) -> None:
    html = Client().get(reverse(f"registers:{kind}-list")).content.decode()
    assert "---------" not in html
    assert ">全部领域</option>" in html
    assert ">全部地区</option>" in html
    # top-level field → its fields, as option groups
    assert '<optgroup label="新材料">' in html
    group = html[html.index('<optgroup label="新材料">') :]
    group = group[: group.index("</optgroup>")]
    assert "新材料（全部）" in group
    assert ">高分子材料</option>" in group or "高分子" in group


def test_a_top_level_field_finds_the_postings_of_its_sub_fields() -> None:
    NeedFactory(title="改性塑料需求", fields=[TechField.objects.get(code="0403")])
    NeedFactory(title="软件需求", fields=[TechField.objects.get(code="0101")])
    response = Client().get(reverse(NEEDS), {"field": "04"})
    assert _titles(response) == {"改性塑料需求"}


def test_a_district_filter_returns_that_districts_postings_and_names_it() -> None:
    NeedFactory(title="历下区需求", region_code="370102")
    NeedFactory(title="市中区需求", region_code="370103")
    NeedFactory(title="青岛需求", region_code="370202")
    response = Client().get(reverse(NEEDS), {"region": "370102"})
    assert _titles(response) == {"历下区需求"}
    html = response.content.decode()
    assert re.search(r'<option value="370000" selected>山东省</option>', html)
    assert re.search(r'<option value="370100" selected>济南市</option>', html)
    assert re.search(r'<option value="370102" selected>历下区</option>', html)
    city = Client().get(reverse(NEEDS), {"region": "370100"})
    assert _titles(city) == {"历下区需求", "市中区需求"}


def test_the_region_table_for_the_picker_names_each_level() -> None:
    response = Client().get(reverse("registers:region-tree"))
    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]
    tree = response.json()
    assert ["370000", "山东省"] in tree[""]
    assert ["370100", "济南市"] in tree["370000"]
    assert ["370102", "历下区"] in tree["370100"]


def test_empty_parameters_redirect_to_the_clean_link() -> None:
    needs = reverse(NEEDS)
    response = Client().get(f"{needs}?q=&field=&region=370102&mode=&status=&budget_min=")
    assert response.status_code == 302
    assert response["Location"] == f"{needs}?region=370102"
    only_empty = Client().get(f"{needs}?q=&field=")
    assert only_empty["Location"] == needs
    experts = reverse("registers:expert-list")
    assert Client().get(f"{experts}?willing_commissioner=&title=")["Location"] == experts


def test_page_links_keep_the_filters_in_one_order() -> None:
    for _ in range(25):
        NeedFactory(region_code="370102")
    response = Client().get(f"{reverse(NEEDS)}?region=370102&q=%E4%BF%9D%E9%99%A9%E6%9D%A0")
    html = response.content.decode()
    assert "?q=%E4%BF%9D%E9%99%A9%E6%9D%A0&amp;region=370102&page=2" in html


def test_the_filters_fold_behind_a_button_on_a_phone() -> None:
    html = Client().get(reverse(NEEDS)).content.decode()
    assert 'data-bs-target="#filter-panel"' in html
    assert 'class="collapse d-lg-block" id="filter-panel"' in html


def test_expert_list_yes_no_filter_reads_in_chinese() -> None:
    ExpertFactory(name="愿意的专家", willing_commissioner=True)
    ExpertFactory(name="不愿意的专家", willing_commissioner=False)
    response = Client().get(reverse("registers:expert-list"), {"willing_commissioner": "true"})
    assert {e.name for e in response.context["page"].object_list} == {"愿意的专家"}
    assert ">不限</option>" in response.content.decode()


# ------------------------------------------------------------------ the need page's review


@pytest.fixture
def submitted_need(alice: User, org_a: object) -> object:
    return NeedFactory(
        title="待审核的需求",
        organization=org_a,
        created_by=alice,
        status=PostingStatus.SUBMITTED,
        published_at=None,
    )


def test_the_need_page_shows_approve_and_reject_to_the_jurisdictions_staff_only(
    submitted_need: object, staff: User, alice: User, other_staff: User
) -> None:
    url = reverse("registers:need-detail", args=[submitted_need.pk])  # type: ignore[attr-defined]
    staff_html = client_for(staff).get(url).content.decode()
    assert "审核通过" in staff_html
    assert 'id="posting-reject"' in staff_html
    owner_html = client_for(alice).get(url).content.decode()
    assert "审核通过" not in owner_html
    assert 'id="posting-reject"' not in owner_html
    other = client_for(other_staff).get(url)
    assert other.status_code == 404 or "审核通过" not in other.content.decode()


def test_staff_approve_on_the_need_page_and_stay_there(submitted_need: object, staff: User) -> None:
    url = reverse("registers:need-detail", args=[submitted_need.pk])  # type: ignore[attr-defined]
    approve = reverse("registers:need-approve", args=[submitted_need.pk])  # type: ignore[attr-defined]
    response = client_for(staff).post(approve, {"next": url})
    assert response["Location"] == url
    submitted_need.refresh_from_db()  # type: ignore[attr-defined]
    assert submitted_need.status == PostingStatus.PUBLISHED  # type: ignore[attr-defined]


def test_staff_return_a_need_with_a_reason_from_its_page(
    submitted_need: object, staff: User, other_staff: User
) -> None:
    url = reverse("registers:need-detail", args=[submitted_need.pk])  # type: ignore[attr-defined]
    reject = reverse("registers:need-reject", args=[submitted_need.pk])  # type: ignore[attr-defined]
    refused = client_for(other_staff).post(reject, {"reason": "越权", "next": url})
    assert refused.status_code in (403, 404)
    submitted_need.refresh_from_db()  # type: ignore[attr-defined]
    assert submitted_need.status == PostingStatus.SUBMITTED  # type: ignore[attr-defined]
    response = client_for(staff).post(reject, {"reason": "请补充技术指标", "next": url})
    assert response["Location"] == url
    submitted_need.refresh_from_db()  # type: ignore[attr-defined]
    assert submitted_need.status == PostingStatus.REJECTED  # type: ignore[attr-defined]
    assert submitted_need.reject_reason == "请补充技术指标"  # type: ignore[attr-defined]


def test_the_need_page_loads_its_pending_suggestions_for_staff_only(
    staff: User, alice: User, org_a: object
) -> None:
    need = NeedFactory(organization=org_a, created_by=alice)
    url = reverse("registers:need-detail", args=[need.pk])
    fragment = f"{reverse('matching:review-queue')}?need={need.pk}"
    assert fragment in client_for(staff).get(url).content.decode()
    assert fragment not in client_for(alice).get(url).content.decode()


def test_a_result_list_still_filters_by_region_code_prefix() -> None:
    ResultFactory(title="济南成果", region_code="370102")
    ResultFactory(title="青岛成果", region_code="370202")
    response = Client().get(reverse("registers:result-list"), {"region": "370000"})
    assert {r.title for r in response.context["page"].object_list} == {"济南成果", "青岛成果"}


def test_the_pickers_name_regions_and_fields_in_english_in_english_mode() -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    tree = client.get(reverse("registers:region-tree"), {"lang": "en"}).json()
    names = dict(tree["370000"])
    assert names["370100"] != "济南市"
    assert "Jinan" in names["370100"]
    html = client.get(reverse(NEEDS)).content.decode()
    assert '<optgroup label="新材料">' not in html
