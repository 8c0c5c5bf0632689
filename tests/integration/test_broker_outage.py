"""Reliability: Redis (the broker) is down while an enterprise posts a need and staff publish it.

The posting is saved and acknowledged at once; its indexing task could not be sent, so the
need stays marked stale in the database, and once Redis is back the sweep that beat runs
every five minutes (`requeue_stale`) sends it again: the need is indexed and gets its list of
suggestions, exactly once.

The shared Redis on 6379 is left alone: the test starts its own redis-server on a free port,
points this process and a worker process at it, and stops it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client, override_settings

from accounts.models import Membership
from matching.lists import rematch, services
from matching.models import DocumentTerms, Match, Recommendation
from portal.models import Need, PostingStatus, TechField
from portal.reference.sync import reference_data_sync
from portal.services.needs import need_create
from tests.accounts.factories import OrganizationFactory, member
from tests.integration.conftest import start_worker, wait_for
from tests.matching.factories import (
    SOLAR_EXPERT,
    SOLAR_NEED,
    SOLAR_RESULT,
    WATER_RESULT,
    ExpertFactory,
    ResultFactory,
    fresh_index_cache,  # noqa: F401 - autouse fixture
)

pytestmark = pytest.mark.django_db(transaction=True)

# What a user may wait for a page while the broker is down (each failed publish takes ~0.6 s).
ANSWER_WITHIN_SECONDS = 5.0
# A frozen broker costs each publish its socket time-outs (2 s, one retry): 4.7 s measured.
FROZEN_ANSWER_WITHIN_SECONDS = 10.0


class PrivateRedis:
    """A throw-away redis-server on a free loopback port, no persistence."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "/usr/bin/redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, every=0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def _send_tasks_to(url: str) -> None:
    """From now on this process publishes to ``url``. Celery keeps pooled connections to the
    broker it used before (app.close() does not drop the producer pool), so drop them."""
    from portal.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(private_redis: PrivateRedis) -> Iterator[PrivateRedis]:
    """This process sends its tasks to the private Redis (no eager Celery)."""
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    _send_tasks_to(private_redis.url)
    try:
        yield private_redis
    finally:
        app.conf.task_always_eager = previous[0]
        _send_tasks_to(previous[1])


def _timed(call: object) -> tuple[object, float]:
    started = time.monotonic()
    response = call()  # type: ignore[operator]
    return response, time.monotonic() - started


def test_a_need_posted_while_redis_is_down_is_matched_once_redis_is_back(
    broker: PrivateRedis, tmp_path: Path
) -> None:
    reference_data_sync()
    # What the need will be matched against, indexed and listed already (not stale).
    solar = ResultFactory(**SOLAR_RESULT)
    water = ResultFactory(**WATER_RESULT)
    expert = ExpertFactory(**SOLAR_EXPERT)
    for kind, offer in [("result", solar), ("result", water), ("expert", expert)]:
        services.document_match(kind=kind, pk=offer.pk)
    enterprise_org = OrganizationFactory(name="济南光伏材料有限公司", region_code="370100")
    bureau = OrganizationFactory(name="济南市科学技术局", org_type="bureau", region_code="370100")
    enterprise = Client()
    enterprise.force_login(member("ent", enterprise_org, Membership.Role.ENTERPRISE))
    staff = Client()
    staff.force_login(member("olga", bureau, Membership.Role.STAFF))

    with override_settings(REDIS_URL=broker.url):
        worker = start_worker(tmp_path / "worker.log")
    try:
        # Warm up (templates, tokeniser) so the timings below are the broker's share.
        assert enterprise.get("/needs/new/").status_code == 200
        broker.stop()

        response, seconds_to_post = _timed(
            lambda: enterprise.post(
                "/needs/new/",
                {
                    "title": SOLAR_NEED["title"],
                    "description": SOLAR_NEED["description"],
                    "keywords": SOLAR_NEED["keywords"],
                    "fields": [TechField.objects.get(code="0403").pk],
                    "region_code": "370100",
                    "action": "submit",
                },
            )
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert seconds_to_post < ANSWER_WITHIN_SECONDS
        need = Need.objects.get(organization=enterprise_org)

        response, seconds_to_publish = _timed(
            lambda: staff.post(f"/needs/{need.pk}/approve/", {"next": f"/needs/{need.pk}/"})
        )
        assert response.status_code == 302
        assert seconds_to_publish < ANSWER_WITHIN_SECONDS
        page = staff.get(f"/needs/{need.pk}/").content.decode()
        assert "已审核通过并发布。" in page

        need.refresh_from_db()
        assert need.status == PostingStatus.PUBLISHED
        terms = DocumentTerms.objects.get(kind="need", object_id=need.pk)
        assert terms.stale
        assert not terms.is_active  # not indexed yet
        assert not Recommendation.objects.filter(owner_kind="need", owner_id=need.pk).exists()

        broker.start()
        # What beat does every five minutes, with the grace period cut to zero.
        with override_settings(MATCHING_STALE_GRACE=0):
            report = rematch.requeue_stale()
        assert report.documents_requeued == 1

        def matched() -> bool:
            row = DocumentTerms.objects.get(kind="need", object_id=need.pk)
            return row.is_active and not row.stale

        wait_for(matched, timeout=90)
    finally:
        worker.stop()

    top = Recommendation.objects.get(
        owner_kind="need", owner_id=need.pk, target_kind="result", rank=1
    ).match
    assert top.result == solar
    assert Match.objects.filter(need=need, expert=expert).exists()
    duplicates = (
        Match.objects.filter(need=need)
        .values("kind", "result", "expert")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    runs = re.findall(r"document_match_task\[[^\]]+\] succeeded", worker.log())
    assert len(runs) == 1, worker.log()[-3000:]
    print(f"post {seconds_to_post:.2f} s, publish {seconds_to_publish:.2f} s with Redis down")


def test_a_frozen_redis_does_not_hold_the_request(broker: PrivateRedis) -> None:
    """A broker that accepts connections but never answers (SIGSTOP: a hung or unreachable
    server) held a publish, and so the request, forever; the publish now times out."""
    reference_data_sync()
    enterprise_org = OrganizationFactory(name="济南光伏材料有限公司", region_code="370100")
    bureau = OrganizationFactory(name="济南市科学技术局", org_type="bureau", region_code="370100")
    author = member("ent", enterprise_org, Membership.Role.ENTERPRISE)
    need = need_create(
        by=author,
        data={
            "title": SOLAR_NEED["title"],
            "description": SOLAR_NEED["description"],
            "fields": [TechField.objects.get(code="0403")],
            "region_code": "370100",
        },
        submit=True,
    )
    staff = Client()
    staff.force_login(member("olga", bureau, Membership.Role.STAFF))
    assert staff.get(f"/needs/{need.pk}/").status_code == 200  # warm up
    assert broker.proc is not None
    answered: dict[str, HttpResponse] = {}

    def approve() -> None:
        try:
            answered["response"] = staff.post(f"/needs/{need.pk}/approve/")
        finally:
            connections.close_all()

    # In a thread, so that a request the broker holds fails the test instead of hanging it.
    request = threading.Thread(target=approve)
    os.kill(broker.proc.pid, signal.SIGSTOP)
    started = time.monotonic()
    try:
        request.start()
        request.join(timeout=FROZEN_ANSWER_WITHIN_SECONDS)
        seconds = time.monotonic() - started
    finally:
        os.kill(broker.proc.pid, signal.SIGCONT)
        request.join(timeout=60)

    print(f"publish {seconds:.2f} s with Redis frozen")
    assert seconds < FROZEN_ANSWER_WITHIN_SECONDS, "the request waited on the frozen broker"
    assert answered["response"].status_code == 302
    need.refresh_from_db()
    assert need.status == PostingStatus.PUBLISHED
    assert DocumentTerms.objects.get(kind="need", object_id=need.pk).stale
