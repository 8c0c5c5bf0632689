from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "portal.events"
    label = "events"
    verbose_name = _("对接会")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from matching.dashboards import sections
        from matching.pairs import todo
        from portal.events.dashboard import event_tables
        from portal.events.todo import event_todos

        sections.register(event_tables)
        todo.register(event_todos)
