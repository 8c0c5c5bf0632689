"""Browser pages of the workflow: queue, pair page, respond, advance, follow-ups, lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from matching.models import FollowUp, Match, MatchStatus, PairKind
from matching.pairs import services as workflow
from tests.matching.factories import MatchFactory, NeedFactory, listed
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_suggestions_by_score_with_explanations(
    match: Match, expert_match: Match, qd_match: Match, staff_client: Client
) -> None:
    response = staff_client.get(reverse("matching:review-queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("注塑件表面缩痕问题") < html.index("赵教授")
    assert "注塑" in html  # the shared term of the explanation
    assert "海水淡化膜污染控制" not in html  # another city's pair
    filtered = staff_client.get(reverse("matching:review-queue"), {"direction": "need_expert"})
    assert list(filtered.context["page"]) == [expert_match]
    Match.objects.filter(pk=match.pk).update(score=1.6)  # in the calibrated high band
    high = staff_client.get(reverse("matching:review-queue"), {"band": "high"})
    assert list(high.context["page"]) == [match]
    assert "匹配度高" in high.content.decode()


def test_the_queue_puts_a_lists_top_pick_before_higher_scores_lower_down(
    need: Any, result: Any, expert: Any, staff_client: Client
) -> None:
    second_place = listed(MatchFactory(need=need, result=result, score=0.9, explanation={}), rank=2)
    top_pick = listed(
        MatchFactory(kind=PairKind.NEED_EXPERT, need=need, result=None, expert=expert, score=0.3),
        rank=1,
    )
    unlisted = MatchFactory(need=NeedFactory(region_code="370100"), result=result, score=0.99)
    page = list(staff_client.get(reverse("matching:review-queue")).context["page"])
    assert page == [top_pick, second_place]
    assert unlisted not in page  # no list shows it any more


def test_the_queue_is_for_staff_only(alice_client: Client) -> None:
    assert alice_client.get(reverse("matching:review-queue")).status_code == 403
    assert Client().get(reverse("matching:review-queue")).status_code == 302


def test_approve_from_the_queue_and_back(match: Match, staff_client: Client) -> None:
    queue = reverse("matching:review-queue")
    response = staff_client.post(
        reverse("matching:match-approve", args=[match.pk]), {"next": queue}
    )
    assert response.status_code == 302
    assert response["Location"] == queue
    match.refresh_from_db()
    assert match.status == S.APPROVED


def test_bulk_reject_with_a_reason(match: Match, expert_match: Match, staff_client: Client) -> None:
    response = staff_client.post(
        reverse("matching:review-bulk"),
        {"ids": [match.pk, expert_match.pk], "action": "reject", "reason_code": "existing"},
    )
    assert response.status_code == 302
    assert set(Match.objects.values_list("status", flat=True)) == {S.REJECTED}


def test_a_reject_without_reason_changes_nothing(match: Match, staff_client: Client) -> None:
    staff_client.post(reverse("matching:match-reject", args=[match.pk]), {"reason_code": ""})
    match.refresh_from_db()
    assert match.status == S.SUGGESTED


def test_both_sides_accept_in_the_browser_then_see_contacts(
    match: Match, staff: User, alice: User, rita: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    url = reverse("matching:match-detail", args=[match.pk])
    alice_client, rita_client = _client(alice), _client(rita)
    page = alice_client.get(url).content.decode()
    assert "同意对接" in page
    assert "13800000002" not in page
    alice_client.post(reverse("matching:match-respond", args=[match.pk]), {"accept": "1"})
    rita_client.post(reverse("matching:match-respond", args=[match.pk]), {"accept": "1"})
    assert "13800000002" in alice_client.get(url).content.decode()
    assert "13900000001" in rita_client.get(url).content.decode()


def test_a_decline_without_reason_shows_a_field_error(
    match: Match, staff: User, rita: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    response = _client(rita).post(
        reverse("matching:match-respond", args=[match.pk]), {"accept": "0", "reason": ""}
    )
    assert response.status_code == 400
    assert "谢绝对接时请填写原因" in response.content.decode()


def test_staff_log_a_visit_and_move_the_pair_on(
    match: Match, staff: User, staff_client: Client, alice: User, rita: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    workflow.match_respond(match_id=match.pk, user=alice, accept=True)
    workflow.match_respond(match_id=match.pk, user=rita, accept=True)
    today = timezone.localdate().isoformat()
    response = staff_client.post(
        reverse("matching:followup-create", args=[match.pk]),
        {"date": today, "channel": "visit", "summary": "走访企业车间"},
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().summary == "走访企业车间"
    staff_client.post(reverse("matching:match-advance", args=[match.pk]), {"stage": "intention"})
    bad = staff_client.post(
        reverse("matching:match-advance", args=[match.pk]),
        {
            "stage": "signed",
            "contract_amount": "-1",
            "contract_date": today,
            "contract_type": "development",
        },
    )
    assert bad.status_code == 400
    assert "合同金额不能为负数" in bad.content.decode()
    staff_client.post(
        reverse("matching:match-advance", args=[match.pk]),
        {
            "stage": "signed",
            "contract_amount": "30",
            "contract_date": today,
            "contract_type": "development",
        },
    )
    match.refresh_from_db()
    assert match.status == S.SIGNED
    page = staff_client.get(reverse("matching:match-detail", args=[match.pk])).content.decode()
    assert "走访企业车间" in page
    assert "达成意向" in page
    assert "已签约" in page


def test_manual_match_page_with_search_as_you_type(
    need: Any, result: Any, staff_client: Client
) -> None:
    options = staff_client.get(reverse("matching:posting-search"), {"kind": "need", "q": "缩痕"})
    assert "注塑件表面缩痕问题" in options.content.decode()
    options = staff_client.get(
        reverse("matching:posting-search"), {"offer_kind": "result", "q": "注塑"}
    )
    assert "高分子材料注塑成型优化技术" in options.content.decode()
    assert staff_client.get(reverse("matching:match-manual")).status_code == 200
    response = staff_client.post(
        reverse("matching:match-manual"),
        {"need": need.pk, "offer_kind": "result", "offer": result.pk, "note": "对接会"},
    )
    assert response.status_code == 302
    assert Match.objects.get().status == S.APPROVED


def test_lists_for_staff_and_parties(match: Match, staff: User, alice: User, charlie: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    for user in (staff, alice):
        page = _client(user).get(reverse("matching:match-list"))
        assert list(page.context["page"]) == [match]
    assert list(_client(charlie).get(reverse("matching:match-list")).context["page"]) == []
    assert _client(staff).get(reverse("matching:due-list")).status_code == 200
    assert _client(alice).get(reverse("matching:due-list")).status_code == 403


def test_the_inbox_link_opens_the_pair(match: Match, staff: User, alice: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    notice = Notification.objects.get(user=alice)
    response = _client(alice).get(reverse("accounts:notification-open", args=[notice.pk]))
    assert response["Location"] == reverse("matching:match-detail", args=[match.pk])
