"""Celery wrapper of the weight fits (registered through :mod:`matching.tasks`)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError

from matching.learning import services

logger = logging.getLogger(__name__)


@shared_task(
    name="matching.tasks.weight_fits_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def weight_fits_task() -> list[dict[str, Any]]:
    """Fit the weights of the site and of each bureau's region (weekly from beat, before
    the nightly rematch that re-ranks the lists with whatever fit was applied). A second
    run is harmless: it compares against the weights the first one put in force."""
    fits = services.weight_fits_run()
    return [{"id": f.pk, "scope": f.scope, "verdict": f.verdict} for f in fits]
