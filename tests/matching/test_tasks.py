from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.db import OperationalError

from matching.lists import services, tasks
from matching.models import DocumentTerms, JobStatus, Match, RematchJob
from tests.matching.factories import (
    SOLAR_NEED,
    SOLAR_RESULT,
    NeedFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
    publish,
)

pytestmark = pytest.mark.django_db


def test_a_new_need_enters_its_own_list_and_the_list_of_an_earlier_result() -> None:
    result = ResultFactory(**SOLAR_RESULT)
    tasks.document_match_task(kind="result", pk=result.pk)
    need = NeedFactory(**SOLAR_NEED)
    written = tasks.document_match_task(kind="need", pk=need.pk)
    assert written["result"] == 1
    pair = Match.objects.get(need=need, result=result)
    lists = set(pair.recommendations.values_list("owner_kind", "owner_id", "rank"))
    assert lists == {("need", need.pk, 1), ("result", result.pk, 1)}


def test_document_match_task_returns_when_the_row_is_gone() -> None:
    assert tasks.document_match_task(kind="need", pk=987654) == {}
    assert tasks.document_match_task(kind="planet", pk=1) == {}


def test_the_hook_enqueues_only_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    need = NeedFactory(**SOLAR_NEED)
    with mock.patch.object(tasks.document_match_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            publish(need, "need")
            # the database already says the need must be matched, before any task runs
            assert DocumentTerms.objects.get(kind="need", object_id=need.pk).stale
            delay.assert_not_called()
        assert len(callbacks) == 1
        callbacks[0]()
    delay.assert_called_once_with("need", need.pk)


def test_rematch_chunk_task_returns_for_a_missing_chunk() -> None:
    assert tasks.rematch_chunk_task(chunk_id=424242) is False


def test_rematch_all_task_runs_the_job(django_capture_on_commit_callbacks: Any) -> None:
    ResultFactory(**SOLAR_RESULT)
    NeedFactory(**SOLAR_NEED)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = tasks.rematch_all_task()
    job = RematchJob.objects.get(pk=job_id)
    assert job.status == JobStatus.DONE
    assert job.done == 2


def test_chunk_tasks_go_to_the_rematch_queue() -> None:
    from portal.celery import app

    route = app.amqp.router.route({}, tasks.rematch_chunk_task.name)
    assert route["queue"].name == "rematch"
    other = app.amqp.router.route({}, tasks.document_match_task.name)
    assert other["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def test_a_lost_database_connection_is_retried() -> None:
    need = NeedFactory(**SOLAR_NEED)
    with (
        mock.patch.object(services, "document_match", side_effect=OperationalError("down")),
        pytest.raises(Retry),
    ):
        tasks.document_match_task.apply(args=("need", need.pk), throw=True)


def test_a_failing_task_never_breaks_the_publishing_request(
    django_capture_on_commit_callbacks: Any,
) -> None:
    need = NeedFactory(**SOLAR_NEED)
    with (
        mock.patch.object(services, "document_match", side_effect=RuntimeError("engine bug")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        publish(need, "need")
    # left stale for requeue_stale to retry
    assert DocumentTerms.objects.get(kind="need", object_id=need.pk).stale
