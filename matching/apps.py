from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("智能匹配")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        # The dashboards' model lives with them, above the pairs (matching.models is read
        # by the pairs, so it cannot import it): registered here, before any query runs.
        from matching.dashboards import models as _dashboard_models  # noqa: F401
        from matching.dashboards.cache import stats_changed
        from matching.lists.dictionary import ensure_domain_dictionary
        from matching.lists.receivers import on_posting_changed
        from matching.pairs.models import MatchTransition
        from portal import search
        from portal.signals import posting_changed

        posting_changed.connect(on_posting_changed, dispatch_uid="matching.lists.posting_changed")
        # Every stage change of a pair is a transition row: the dashboards count afresh.
        post_save.connect(
            stats_changed, sender=MatchTransition, dispatch_uid="matching.dashboards.stats"
        )
        if ensure_domain_dictionary not in search.before_tokenize:
            search.before_tokenize.append(ensure_domain_dictionary)
