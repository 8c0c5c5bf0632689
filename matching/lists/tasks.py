"""Celery wrappers of the matching services: take ids, load rows, call the service.

Every task is idempotent (upserts under unique constraints, guarded status transitions), so
the at-least-once delivery of acks_late and the retries below are harmless.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_init
from django.db import OperationalError

from matching.lists import documents, rematch, services
from matching.lists import engine_api as adapter
from matching.models import RematchChunk

logger = logging.getLogger(__name__)


@worker_init.connect
def _load_tokenizer_before_fork(**_kwargs: Any) -> None:
    """Load jieba's dictionary once in the worker's main process; the forked pool processes
    share it (copy-on-write) instead of each loading its own."""
    adapter.load_tokenizer()


RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="matching.tasks.document_match_task", **RETRY)
def document_match_task(kind: str, pk: int) -> dict[str, int]:
    """Index one posting (or take it out of the index) and write its suggestions."""
    if kind not in documents.MODELS:
        logger.warning("document_match_task: unknown kind %r", kind)
        return {}
    if not documents.MODELS[kind].objects.filter(pk=pk).exists():
        logger.info("document_match_task: %s #%s is gone", kind, pk)
        services.document_deactivate(kind=kind, pk=pk)
        return {}
    return services.document_match(kind=kind, pk=pk)


@shared_task(name="matching.tasks.rematch_chunk_task", **RETRY)
def rematch_chunk_task(chunk_id: int) -> bool:
    """Run one chunk of a full rematch (queue "rematch"); False if someone else has it."""
    if not RematchChunk.objects.filter(pk=chunk_id).exists():
        logger.info("rematch_chunk_task: chunk %s is gone", chunk_id)
        return False
    return rematch.rematch_chunk_run(chunk_id=chunk_id)


@shared_task(name="matching.tasks.rematch_all_task", **RETRY)
def rematch_all_task(requested_by_id: int | None = None) -> int:
    """Start a full rematch (nightly from beat); returns the job id."""
    from accounts.models import User

    user = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    rematch.dictionary_update()
    return rematch.rematch_all_start(requested_by=user).pk


@shared_task(name="matching.tasks.requeue_stale_task", **RETRY)
def requeue_stale_task() -> dict[str, int]:
    """Re-enqueue stuck rematch chunks and documents whose suggestions are stale."""
    report = rematch.requeue_stale()
    if any(dataclasses.astuple(report)):
        logger.info("requeue_stale: %s", report)
    return dataclasses.asdict(report)
