from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "portal.challenges"
    label = "challenges"
    verbose_name = _("揭榜挂帅与创新大赛")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from matching.dashboards import sections
        from matching.pairs import todo
        from portal.challenges.dashboard import programme_tables
        from portal.challenges.todo import challenge_todos

        sections.register(programme_tables)
        todo.register(challenge_todos)
