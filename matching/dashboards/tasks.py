"""Celery task of the dashboards (thin: it calls matching.dashboards.facts)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from matching.dashboards import facts


@shared_task(
    name="matching.tasks.stats_facts_refresh_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    # a late run is pointless: the next one is at most STATS_FACTS_SECONDS away
    expires=600,
)
def stats_facts_refresh_task() -> int:
    """Every ``STATS_FACTS_SECONDS`` (beat): rebuild the counts the dashboards read."""
    return facts.facts_refresh()
