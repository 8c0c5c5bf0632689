"""Staff review tools: the suggestions queue filtered by need, field, district, score band and
age; a header count that equals the rows; bulk decisions with one reason, in jurisdiction
only; clean links; the need page's fragment of pending suggestions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from matching.lists.bands import HIGH, MEDIUM
from matching.models import Match, MatchDecision, MatchStatus, PairKind
from portal.models import Need, Result
from tests.matching.factories import MatchFactory, NeedFactory, ResultFactory, listed
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus
QUEUE = "matching:review-queue"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pair(need: Need, result: Result | None = None, **kwargs: object) -> Match:
    return listed(MatchFactory(need=need, result=result or ResultFactory(), **kwargs))


def _rows(client: Client, **params: str) -> list[Match]:
    response = client.get(reverse(QUEUE), params)
    assert response.status_code == 200, response.status_code
    return list(response.context["page"])


def _header_total(html: str) -> int:
    found = re.search(r'id="queue-total">(\d+)<', html)
    assert found is not None
    return int(found.group(1))


def test_it_filters_by_need_id_and_by_words_of_the_title(staff_client: Client) -> None:
    bumper = NeedFactory(title="保险杠低温开裂")
    pump = NeedFactory(title="水泵密封泄漏")
    on_bumper, on_pump = _pair(bumper), _pair(pump)
    assert _rows(staff_client, need=str(bumper.pk)) == [on_bumper]
    assert _rows(staff_client, need="密封") == [on_pump]
    assert _rows(staff_client, need="没有这个需求") == []
    assert _rows(staff_client, need="9" * 30) == []  # no id that long: a title search
    assert _rows(staff_client, need="²") == []


def test_it_filters_by_a_top_level_field_or_a_sub_field(staff_client: Client) -> None:
    materials = NeedFactory(field_codes=["0403"])  # 新材料 → 高分子材料
    software = NeedFactory(field_codes=["0101"])  # 电子信息 → 软件
    on_materials, on_software = _pair(materials), _pair(software)
    assert _rows(staff_client, field="04") == [on_materials]
    assert _rows(staff_client, field="0101") == [on_software]
    html = staff_client.get(reverse(QUEUE)).content.decode()
    assert '<optgroup label="新材料">' in html  # the grouped picker


def test_it_filters_by_district_and_the_picker_names_it(staff_client: Client) -> None:
    lixia = NeedFactory(region_code="370102")
    shizhong = NeedFactory(region_code="370103")
    in_lixia = _pair(lixia, ResultFactory(region_code="370102"))
    _pair(shizhong, ResultFactory(region_code="370103"))
    response = staff_client.get(reverse(QUEUE), {"region": "370102"})
    assert list(response.context["page"]) == [in_lixia]
    html = response.content.decode()
    # Names, not codes: the city bureau's province and city are fixed, the district chosen.
    assert re.search(r'<option value="370102" selected>历下区</option>', html)
    assert ">济南市</option>" in html
    assert "地区代码前缀" not in html


def test_a_district_outside_the_list_of_divisions_is_refused_with_a_message(
    staff_client: Client, match: Match
) -> None:
    response = staff_client.get(reverse(QUEUE), {"region": "999999"})
    assert list(response.context["page"]) == []
    assert "请选择省、市或区县。" in response.content.decode()


def test_it_filters_by_score_band(staff_client: Client) -> None:
    need = NeedFactory()
    high = _pair(need, score=HIGH + 0.1)
    medium = _pair(need, score=MEDIUM + 0.01)
    low = _pair(need, score=MEDIUM - 0.5)
    assert _rows(staff_client, band="high") == [high]
    assert _rows(staff_client, band="medium") == [medium]
    assert _rows(staff_client, band="low") == [low]
    assert set(_rows(staff_client, band="medium_up")) == {high, medium}


def test_it_filters_by_age(staff_client: Client) -> None:
    need = NeedFactory()
    fresh = _pair(need)
    month_old = _pair(need)
    ancient = _pair(need)
    now = timezone.now()
    Match.objects.filter(pk=month_old.pk).update(created_at=now - dt.timedelta(days=40))
    Match.objects.filter(pk=ancient.pk).update(created_at=now - dt.timedelta(days=100))
    assert _rows(staff_client, age="7") == [fresh]
    assert set(_rows(staff_client, age="gt30")) == {month_old, ancient}
    assert _rows(staff_client, age="gt90") == [ancient]


def test_the_header_count_is_the_number_of_rows_the_list_holds(staff_client: Client) -> None:
    need = NeedFactory()
    for _ in range(27):
        _pair(need)
    # a suggestion no list shows any more: neither counted nor listed
    MatchFactory(need=need, result=ResultFactory())
    # another city's suggestion: neither counted nor listed
    _pair(NeedFactory(region_code="370200"), ResultFactory(region_code="370200"))
    first = staff_client.get(reverse(QUEUE))
    second = staff_client.get(reverse(QUEUE), {"page": "2"})
    rows = list(first.context["page"]) + list(second.context["page"])
    assert _header_total(first.content.decode()) == len(rows) == 27
    narrowed = staff_client.get(reverse(QUEUE), {"need": str(need.pk), "band": "high"})
    assert _header_total(narrowed.content.decode()) == len(narrowed.context["page"]) == 0


def test_bulk_reject_applies_one_reason_to_exactly_the_selected_pairs(
    staff: User, staff_client: Client
) -> None:
    need = NeedFactory()
    first, second, untouched = _pair(need), _pair(need), _pair(need)
    response = staff_client.post(
        reverse("matching:review-bulk"),
        {
            "ids": [first.pk, second.pk],
            "action": "reject",
            "reason_code": "maturity",
            "reason_text": "仍在实验室阶段",
            "next": reverse(QUEUE),
        },
        follow=True,
    )
    statuses = dict(Match.objects.values_list("pk", "status"))
    assert statuses == {first.pk: S.REJECTED, second.pk: S.REJECTED, untouched.pk: S.SUGGESTED}
    decisions = MatchDecision.objects.filter(match__in=[first, second])
    assert {(d.reason_code, d.reason_text) for d in decisions} == {("maturity", "仍在实验室阶段")}
    assert "已否决 2 条。" in response.content.decode()
    assert _header_total(response.content.decode()) == 1


def test_a_bulk_reject_for_other_needs_a_text_and_changes_nothing(
    staff_client: Client, match: Match, expert_match: Match
) -> None:
    response = staff_client.post(
        reverse("matching:review-bulk"),
        {"ids": [match.pk, expert_match.pk], "action": "reject", "reason_code": "other"},
        follow=True,
    )
    assert set(Match.objects.values_list("status", flat=True)) == {S.SUGGESTED}
    assert "选择“其他”时请填写说明。" in response.content.decode()


def test_staff_of_another_city_neither_see_nor_decide_the_pairs(
    qd_staff: User, match: Match, qd_match: Match
) -> None:
    client = _client(qd_staff)
    assert _rows(client) == [qd_match]
    assert _rows(client, need=str(match.need_id)) == []
    response = client.post(
        reverse("matching:review-bulk"),
        {"ids": [match.pk, qd_match.pk], "action": "reject", "reason_code": "existing"},
        follow=True,
    )
    match.refresh_from_db()
    qd_match.refresh_from_db()
    assert match.status == S.SUGGESTED
    assert qd_match.status == S.REJECTED
    assert "1 条不在您的辖区，未处理。" in response.content.decode()


def test_empty_parameters_redirect_to_the_clean_link_in_a_stable_order(
    staff_client: Client,
) -> None:
    queue = reverse(QUEUE)
    response = staff_client.get(f"{queue}?band=high&need=&field=&region=&age=&direction=")
    assert response.status_code == 302
    assert response["Location"] == f"{queue}?band=high"
    response = staff_client.get(f"{queue}?age=7&need=5&band=")
    assert response["Location"] == f"{queue}?need=5&age=7"
    assert staff_client.get(f"{queue}?need=5&age=7").status_code == 200


def test_the_queue_is_keyboard_friendly(staff_client: Client, match: Match) -> None:
    html = staff_client.get(reverse(QUEUE)).content.decode()
    assert f'name="ids" value="{match.pk}"' in html
    assert "data-select-all" in html
    assert 'accesskey="a"' in html
    assert 'accesskey="r"' in html
    assert 'tabindex="-1"' not in html


def test_the_need_fragment_lists_that_needs_pending_suggestions_and_returns_there(
    staff: User, staff_client: Client, match: Match, expert_match: Match
) -> None:
    other = _pair(NeedFactory())
    need_url = f"http://testserver{reverse('registers:need-detail', args=[match.need_id])}"
    response = staff_client.get(
        reverse(QUEUE),
        {"need": str(match.need_id)},
        headers={"HX-Request": "true", "HX-Current-URL": need_url},
    )
    assert response.status_code == 200
    assert set(response.context["page"]) == {match, expert_match}
    html = response.content.decode()
    assert "<html" not in html  # a fragment
    assert f'id="match-{other.pk}"' not in html
    assert f'value="{need_url}"' in html
    back = staff_client.post(
        reverse("matching:review-bulk"),
        {"ids": [match.pk, expert_match.pk], "action": "approve", "next": need_url},
    )
    assert back["Location"] == need_url
    assert set(Match.objects.filter(need=match.need).values_list("status", flat=True)) == {
        S.APPROVED
    }


def test_the_need_fragment_is_refused_to_parties(alice_client: Client, match: Match) -> None:
    response = alice_client.get(
        reverse(QUEUE), {"need": str(match.need_id)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403


def test_direction_filter_still_works(
    staff_client: Client, match: Match, expert_match: Match
) -> None:
    assert _rows(staff_client, direction=PairKind.NEED_EXPERT) == [expert_match]
