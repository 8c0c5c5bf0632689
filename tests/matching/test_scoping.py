"""Region scoping: staff of one city cannot see or act on another city's items through any
workflow view, API route or export. Routes are read from the URL configuration, so a new
route that is not classified here fails the test."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from openpyxl import load_workbook

from accounts.models import User
from matching import api_urls as matching_api_urls
from matching.dashboards import stats
from matching.dashboards import urls as dashboard_urls
from matching.models import Match, MatchStatus, MatchTransition, PairKind
from matching.pairs import apis as workflow_apis
from matching.pairs import scoping
from matching.pairs import selectors as workflow_selectors
from matching.pairs import services as workflow
from matching.pairs import urls as workflow_urls
from portal.models import Need
from tests.matching.workflow_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

# Workflow and dashboard browser routes that take no object: each is checked for leaks below.
LIST_ROUTES = {
    "review-queue",
    "review-bulk",
    "match-manual",
    "posting-search",
    "match-list",
    "due-list",
    "dashboard",
    "dashboard-export",
    "statistics",
}
WORKFLOW_API_VIEWS = {
    name
    for name in dir(workflow_apis)
    if name.endswith("Api") and isinstance(getattr(workflow_apis, name), type)
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _object_routes() -> list[str]:
    return [p.name for p in workflow_urls.urlpatterns if "match_id" in p.pattern.regex.pattern]


def _api_routes() -> list[URLPattern]:
    return [
        p
        for p in matching_api_urls.urlpatterns
        if isinstance(p, URLPattern)
        and getattr(p.callback, "view_class", None) is not None
        and p.callback.view_class.__name__ in WORKFLOW_API_VIEWS
    ]


def test_every_workflow_route_is_classified() -> None:
    names = {p.name for p in workflow_urls.urlpatterns + dashboard_urls.urlpatterns}
    assert names == LIST_ROUTES | set(_object_routes())
    routed = {p.callback.view_class.__name__ for p in _api_routes()}
    assert routed == WORKFLOW_API_VIEWS


@pytest.mark.parametrize(
    "route", [p.name for p in workflow_urls.urlpatterns if "match_id" in p.pattern.regex.pattern]
)
def test_object_pages_of_another_city_are_404(route: str, qd_match: Match, staff: User) -> None:
    client = _client(staff)
    url = reverse(f"matching:{route}", args=[qd_match.pk])
    payload = {
        "accept": "1",
        "stage": "contacted",
        "reason_code": "irrelevant",
        "date": "2026-01-01",
        "channel": "visit",
        "summary": "x",
    }
    for response in (client.get(url), client.post(url, payload)):
        assert response.status_code in (404, 405)
    qd_match.refresh_from_db()
    assert qd_match.status == MatchStatus.SUGGESTED
    assert not MatchTransition.objects.filter(match=qd_match).exists()


def test_every_object_api_route_of_another_city_is_404(qd_match: Match, staff: User) -> None:
    client = _client(staff)
    checked = 0
    for pattern in _api_routes():
        if "<int:pk>" not in str(pattern.pattern) or "matches" not in str(pattern.pattern):
            continue
        url = "/api/" + str(pattern.pattern).replace("<int:pk>", str(qd_match.pk))
        for response in (
            client.get(url),
            client.post(
                url, {"accept": True, "stage": "contacted"}, content_type="application/json"
            ),
        ):
            assert response.status_code in (404, 405), url
        checked += 1
    assert checked >= 6
    qd_match.refresh_from_db()
    assert qd_match.status == MatchStatus.SUGGESTED


def test_lists_and_exports_leave_out_another_citys_items(
    match: Match, qd_match: Match, qd_need: Need, staff: User, qd_staff: User
) -> None:
    workflow.match_approve(match_id=qd_match.pk, user=qd_staff)
    client = _client(staff)
    for name in ("review-queue", "match-list", "due-list", "dashboard"):
        html = client.get(reverse(f"matching:{name}")).content.decode()
        assert "海水淡化膜污染控制" not in html, name
    assert (
        "海水淡化膜污染控制"
        not in client.get(
            reverse("matching:posting-search"), {"kind": "need", "q": "海水"}
        ).content.decode()
    )
    api = client.get("/api/matches/").json()
    assert [m["id"] for m in api["results"]] == [match.pk]
    export = client.get(reverse("matching:dashboard-export", args=["all"]))
    workbook = load_workbook(BytesIO(export.content))
    cells = [str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not any("青岛" in c for c in cells)
    figures = client.get("/api/stats/").json()
    assert figures["totals"]["needs"] == 1
    assert figures["totals"]["matches"] == 1


def test_bulk_and_manual_actions_refuse_another_city(
    qd_match: Match, qd_need: Need, staff: User
) -> None:
    client = _client(staff)
    client.post(reverse("matching:review-bulk"), {"ids": [qd_match.pk], "action": "approve"})
    qd_match.refresh_from_db()
    assert qd_match.status == MatchStatus.SUGGESTED
    response = client.post(
        "/api/matches/",
        {"need": qd_need.pk, "result": qd_match.result_id},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_pair_across_cities_belongs_to_both(
    need: Need, qd_match: Match, staff: User, qd_staff: User
) -> None:
    cross = Match.objects.create(
        kind=PairKind.NEED_RESULT, need=need, result=qd_match.result, score=0.5
    )
    assert scoping.match_in_jurisdiction(staff, cross)
    assert scoping.match_in_jurisdiction(qd_staff, cross)
    assert cross in workflow_selectors.match_list_visible_to(user=qd_staff)


def test_administrators_see_every_region(match: Match, qd_match: Match, admin_user: User) -> None:
    assert set(workflow_selectors.match_list_visible_to(user=admin_user)) == {match, qd_match}
    assert stats.stats_for(user=admin_user)["totals"]["matches"] == 2


def test_province_staff_see_their_cities(match: Match, qd_match: Match) -> None:
    from accounts.models import Membership
    from tests.accounts.factories import MembershipFactory, OrganizationFactory, UserFactory

    province = OrganizationFactory(name="山东省科学技术厅", org_type="bureau", region_code="370000")
    user = UserFactory(username="sd_staff")
    MembershipFactory(user=user, organization=province, role=Membership.Role.STAFF)
    assert set(workflow_selectors.match_list_visible_to(user=user)) == {match, qd_match}
