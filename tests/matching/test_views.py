from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Organization, User
from matching.lists import services
from matching.models import JobStatus, Match, MatchStatus, RematchJob
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


def test_the_owner_sees_recommendations_with_explanations(
    alice_client: Client, matched_need: Any
) -> None:
    response = alice_client.get(_url("need", matched_need.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert SOLAR_RESULT["title"] in body
    assert SOLAR_EXPERT["name"] in body
    assert "钙钛矿" in body
    assert "技术领域" in body or "文本相似度" in body
    assert "<html" not in body  # an htmx partial


def test_without_htmx_it_is_a_full_page(alice_client: Client, matched_need: Any) -> None:
    response = alice_client.get(_url("need", matched_need.pk))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_staff_see_recommendations(staff_client: Client, matched_need: Any) -> None:
    assert staff_client.get(_url("need", matched_need.pk)).status_code == 200


def test_it_hides_recommendations_from_other_orgs(charlie: User, matched_need: Any) -> None:
    client = Client()
    client.force_login(charlie)
    assert client.get(_url("need", matched_need.pk)).status_code == 404
    assert client.get(_url("planet", matched_need.pk)).status_code == 404


def test_anonymous_users_are_sent_to_login(client: Client, matched_need: Any) -> None:
    response = client.get(_url("need", matched_need.pk))
    assert response.status_code == 302


def test_owners_do_not_see_rejected_pairs(alice_client: Client, matched_need: Any) -> None:
    Match.objects.filter(need=matched_need, result__isnull=False).update(
        status=MatchStatus.REJECTED
    )
    body = alice_client.get(_url("need", matched_need.pk)).content.decode()
    assert SOLAR_RESULT["title"] not in body


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
    job = services.rematch_all_start()
    body = staff_client.get(reverse("matching:rematch-progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body


def test_rematch_pages_are_staff_only(alice_client: Client) -> None:
    assert alice_client.get(reverse("matching:rematch")).status_code == 403
    assert alice_client.post(reverse("matching:rematch-start")).status_code == 403
    assert not RematchJob.objects.exists()
