"""The workflow API: /api/matches/..., /api/notifications/, /api/stats/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from matching.models import Match, MatchStatus, MatchTransition
from matching.pairs import services as workflow
from portal.models import Need, Result
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
S = MatchStatus


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {}, content_type="application/json")


def test_staff_list_and_filter_matches(match: Match, expert_match: Match, staff: User) -> None:
    client = _client(staff)
    body = client.get("/api/matches/").json()
    assert body["count"] == 2
    assert body["results"][0]["id"] == match.pk  # best score first
    only = client.get("/api/matches/", {"direction": "need_expert"}).json()
    assert [m["id"] for m in only["results"]] == [expert_match.pk]
    # links saved with the old direction names still filter by kind of pair
    old = client.get("/api/matches/", {"direction": "expert_need"}).json()
    assert [m["id"] for m in old["results"]] == [expert_match.pk]
    assert client.get("/api/matches/", {"status": "approved"}).json()["count"] == 0
    assert client.get("/api/matches/", {"region": "3702"}).json()["count"] == 0
    assert client.get("/api/matches/", {"region": "3701"}).json()["count"] == 2


def test_anonymous_users_get_nothing(match: Match) -> None:
    assert Client().get("/api/matches/").status_code in (401, 403)
    assert Client().post(f"/api/matches/{match.pk}/approve/").status_code in (401, 403)


def test_parties_see_their_pairs_only_after_approval(
    match: Match, staff: User, alice: User
) -> None:
    client = _client(alice)
    assert client.get("/api/matches/").json()["count"] == 0
    assert client.get(f"/api/matches/{match.pk}/").status_code == 404
    workflow.match_approve(match_id=match.pk, user=staff)
    body = client.get(f"/api/matches/{match.pk}/").json()
    assert body["status"] == "approved"
    assert body["offer_contact"] is None


def test_reject_needs_a_listed_reason(match: Match, staff: User) -> None:
    client = _client(staff)
    bad = _post(client, f"/api/matches/{match.pk}/reject/", {"reason_code": "whatever"})
    assert bad.status_code == 400
    assert "reason_code" in bad.json()
    ok = _post(
        client,
        f"/api/matches/{match.pk}/reject/",
        {"reason_code": "budget", "reason_text": "超预算"},
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "rejected"


def test_a_party_calling_a_staff_action_gets_403_with_a_reason(
    match: Match, staff: User, alice: User
) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    response = _post(_client(alice), f"/api/matches/{match.pk}/advance/", {"stage": "contacted"})
    assert response.status_code == 403
    assert "科技局" in response.json()["detail"]
    match.refresh_from_db()
    assert match.status == S.APPROVED


def test_an_out_of_order_move_is_400_with_a_chinese_reason(match: Match, staff: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    response = _post(_client(staff), f"/api/matches/{match.pk}/advance/", {"stage": "signed"})
    assert response.status_code == 400
    assert "不能从" in response.json()["stage"][0]
    match.refresh_from_db()
    assert match.status == S.APPROVED
    assert MatchTransition.objects.filter(match=match).count() == 1


def test_the_whole_pipeline_through_the_api(
    match: Match, staff: User, alice: User, rita: User
) -> None:
    staff_client, alice_client, rita_client = _client(staff), _client(alice), _client(rita)
    assert _post(staff_client, f"/api/matches/{match.pk}/approve/").status_code == 200
    response = _post(alice_client, f"/api/matches/{match.pk}/respond/", {"accept": True})
    assert response.status_code == 200
    assert response.json()["offer_contact"] is None
    response = _post(rita_client, f"/api/matches/{match.pk}/respond/", {"accept": True})
    assert response.json()["status"] == "contacted"
    assert response.json()["need_contact"]["phone"] == "13900000001"
    assert (
        alice_client.get(f"/api/matches/{match.pk}/").json()["offer_contact"]["email"]
        == "result@example.cn"
    )

    today = timezone.localdate().isoformat()
    followup = _post(
        staff_client,
        f"/api/matches/{match.pk}/followups/",
        {"date": today, "channel": "visit", "summary": "走访企业", "next_contact_date": today},
    )
    assert followup.status_code == 201
    listed = staff_client.get(f"/api/matches/{match.pk}/followups/").json()
    assert [f["summary"] for f in listed["results"]] == ["走访企业"]
    assert alice_client.get(f"/api/matches/{match.pk}/followups/").status_code == 403

    assert (
        _post(staff_client, f"/api/matches/{match.pk}/advance/", {"stage": "intention"}).json()[
            "status"
        ]
        == "intention"
    )
    negative = _post(
        staff_client,
        f"/api/matches/{match.pk}/advance/",
        {
            "stage": "signed",
            "contract_amount": "-5",
            "contract_date": today,
            "contract_type": "development",
        },
    )
    assert negative.status_code == 400
    assert "contract_amount" in negative.json()
    early = _post(
        staff_client,
        f"/api/matches/{match.pk}/advance/",
        {
            "stage": "signed",
            "contract_amount": "5",
            "contract_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
            "contract_type": "development",
        },
    )
    assert early.status_code == 400
    assert "contract_date" in early.json()
    signed = _post(
        staff_client,
        f"/api/matches/{match.pk}/advance/",
        {
            "stage": "signed",
            "contract_amount": "88.50",
            "contract_date": today,
            "contract_type": "transfer",
            "contract_reg_no": "2026370100000001",
        },
    )
    assert signed.status_code == 200
    assert signed.json()["contract"]["amount"] == "88.50"
    stats = staff_client.get("/api/stats/").json()
    assert stats["totals"]["signed"] == 1
    assert stats["totals"]["contract_value"] == 88.5


def test_respond_validates_its_input(match: Match, staff: User, alice: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    client = _client(alice)
    assert _post(client, f"/api/matches/{match.pk}/respond/", {}).status_code == 400
    declined = _post(client, f"/api/matches/{match.pk}/respond/", {"accept": False})
    assert declined.status_code == 400
    assert "reason" in declined.json()


def test_staff_create_manual_pairs(need: Need, result: Result, staff: User, alice: User) -> None:
    payload = {"need": need.pk, "result": result.pk, "note": "走访中发现"}
    assert _post(_client(alice), "/api/matches/", payload).status_code == 403
    response = _post(_client(staff), "/api/matches/", payload)
    assert response.status_code == 201
    assert response.json()["status"] == "approved"
    again = _post(_client(staff), "/api/matches/", payload)
    assert again.status_code == 409
    assert Match.objects.filter(need=need, result=result).count() == 1


def test_notifications_api(match: Match, staff: User, alice: User, charlie: User) -> None:
    workflow.match_approve(match_id=match.pk, user=staff)
    client = _client(alice)
    body = client.get("/api/notifications/").json()
    assert body["unread"] == 1
    notice = body["results"][0]
    assert notice["url"] == f"/matching/pairs/{match.pk}/"
    assert _post(_client(charlie), f"/api/notifications/{notice['id']}/read/").status_code == 403
    assert _post(client, f"/api/notifications/{notice['id']}/read/").json()["is_read"] is True
    assert client.get("/api/notifications/", {"unread": "1"}).json()["count"] == 0
    assert _post(client, "/api/notifications/read-all/").status_code == 200
    assert Client().get("/api/notifications/").status_code in (401, 403)


def test_stats_are_public_without_confidential_parts(match: Match) -> None:
    body = Client().get("/api/stats/").json()
    assert body["scope"]["public"] is True
    assert "oldest_waiting" not in body
    assert "by_stage" not in body
    assert "matches" not in body["totals"]
