"""Celery's autodiscovery imports ``<app>.tasks``: this module registers every task of the
matching app (the recommendation lists' and the pairs'), whose code lives in those areas."""

from __future__ import annotations

from matching.dashboards.tasks import stats_facts_refresh_task  # noqa: F401
from matching.learning.tasks import weight_fits_task  # noqa: F401
from matching.lists.tasks import (  # noqa: F401
    document_match_task,
    rematch_all_task,
    rematch_chunk_task,
    requeue_stale_task,
)
from matching.pairs.tasks import send_followup_reminders_task  # noqa: F401
