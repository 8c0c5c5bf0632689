from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Organization, User
from matching.lists import rematch, services
from matching.models import JobStatus, Match, RematchJob
from matching.pairs import services as pairs
from tests.matching.factories import (
    SOLAR_EXPERT,
    SOLAR_NEED,
    SOLAR_RESULT,
    ExpertFactory,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched_need(org_a: Organization) -> Any:
    result = ResultFactory(**SOLAR_RESULT)
    expert = ExpertFactory(**SOLAR_EXPERT)
    services.document_index(kind="result", pk=result.pk)
    services.document_index(kind="expert", pk=expert.pk)
    need = NeedFactory(**SOLAR_NEED, organization=org_a)
    services.document_match(kind="need", pk=need.pk)
    return need


def _url(kind: str, pk: int) -> str:
    return reverse("matching:recommendations", args=[kind, pk])


def _result_pair(need: Any) -> Match:
    return Match.objects.get(need=need, result__isnull=False)


def test_staff_see_the_ranked_lists_with_scores_and_explanations(
    staff_client: Client, matched_need: Any
) -> None:
    response = staff_client.get(_url("need", matched_need.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert SOLAR_RESULT["title"] in body
    assert SOLAR_EXPERT["name"] in body
    assert "钙钛矿" in body
    assert "得分构成" in body
    assert "<html" not in body  # an htmx partial


def test_the_owner_sees_only_the_pairs_staff_approved_with_their_stage_and_no_score(
    alice_client: Client, staff: User, matched_need: Any
) -> None:
    body = alice_client.get(_url("need", matched_need.pk)).content.decode()
    assert SOLAR_RESULT["title"] not in body
    assert "暂无经审核的对接" in body
    assert "已审核" not in body
    pair = _result_pair(matched_need)
    pairs.match_approve(match_id=pair.pk, user=staff)
    body = alice_client.get(_url("need", matched_need.pk)).content.decode()
    assert SOLAR_RESULT["title"] in body
    assert reverse("matching:match-detail", args=[pair.pk]) in body
    assert "已审核" in body
    assert SOLAR_EXPERT["name"] not in body  # still only a suggestion
    assert "匹配得分" not in body
    assert "得分构成" not in body


def test_with_self_service_owners_see_suggestions_with_scores_but_not_rejected_pairs(
    alice_client: Client, staff: User, matched_need: Any, settings: Any
) -> None:
    settings.MATCHING_SELF_SERVICE = True
    body = alice_client.get(_url("need", matched_need.pk)).content.decode()
    assert SOLAR_RESULT["title"] in body
    assert SOLAR_EXPERT["name"] in body
    assert "匹配得分" in body
    pairs.match_reject(match_id=_result_pair(matched_need).pk, user=staff, reason_code="irrelevant")
    body = alice_client.get(_url("need", matched_need.pk)).content.decode()
    assert SOLAR_RESULT["title"] not in body
    assert SOLAR_EXPERT["name"] in body


def test_without_htmx_it_is_a_full_page(alice_client: Client, matched_need: Any) -> None:
    response = alice_client.get(_url("need", matched_need.pk))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_it_hides_recommendations_from_other_orgs(charlie: User, matched_need: Any) -> None:
    client = Client()
    client.force_login(charlie)
    assert client.get(_url("need", matched_need.pk)).status_code == 404
    assert client.get(_url("planet", matched_need.pk)).status_code == 404


def test_anonymous_users_are_sent_to_login(client: Client, matched_need: Any) -> None:
    response = client.get(_url("need", matched_need.pk))
    assert response.status_code == 302


def test_the_template_tag_renders_an_htmx_slot_for_owners_only(
    alice: User, charlie: User, matched_need: Any
) -> None:
    template = Template("{% load matching_tags %}{% recommendations_for need 'need' %}")
    request = RequestFactory().get("/")
    request.user = alice
    html = template.render(Context({"request": request, "need": matched_need}))
    assert _url("need", matched_need.pk) in html
    request.user = charlie
    assert "hx-get" not in template.render(Context({"request": request, "need": matched_need}))


def test_staff_start_a_rematch_and_watch_progress(
    staff_client: Client, matched_need: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert staff_client.get(reverse("matching:rematch")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("matching:rematch-start"))
    assert response.status_code == 302
    job = RematchJob.objects.get()
    assert job.status == JobStatus.DONE
    page = staff_client.get(reverse("matching:rematch")).content.decode()
    assert f"{job.done} / {job.total}" in page
    progress = staff_client.get(reverse("matching:rematch-progress", args=[job.pk]))
    assert progress.status_code == 200
    assert "100%" in progress.content.decode()
    # a finished job is no longer polled
    assert "hx-trigger" not in progress.content.decode()


def test_a_running_job_is_polled(staff_client: Client, matched_need: Any) -> None:
    job = rematch.rematch_all_start()
    body = staff_client.get(reverse("matching:rematch-progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body


def test_rematch_pages_are_staff_only(alice_client: Client) -> None:
    assert alice_client.get(reverse("matching:rematch")).status_code == 403
    assert alice_client.post(reverse("matching:rematch-start")).status_code == 403
    assert not RematchJob.objects.exists()


def test_near_duplicate_results_fold_into_the_best_one(
    staff_client: Client, org_a: Organization, org_b: Organization
) -> None:
    first = ResultFactory(**SOLAR_RESULT, organization=org_b)
    second = ResultFactory(
        **{**SOLAR_RESULT, "title": SOLAR_RESULT["title"] + "（第二代）"}, organization=org_b
    )
    elsewhere = ResultFactory(**SOLAR_RESULT, organization=org_a)
    for result in (first, second, elsewhere):
        services.document_index(kind="result", pk=result.pk)
    need = NeedFactory(**SOLAR_NEED, organization=org_a)
    services.document_match(kind="need", pk=need.pk)
    body = staff_client.get(_url("need", need.pk), HTTP_HX_REQUEST="true").content.decode()
    # one entry per organisation's technology: the same organisation's 第二代 folds under
    # its first edition; another organisation's identical title stays an entry of its own
    assert body.count("另有 1 项相似成果") == 1
    assert body.count('<details class="similar') == 1
    assert body.count(SOLAR_RESULT["title"]) == 3
