from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "portal.dispatch"
    label = "dispatch"
    verbose_name = _("产业特派员")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from matching.dashboards import sections
        from matching.pairs import todo
        from portal.dispatch.dashboard import dispatch_tables
        from portal.dispatch.todo import dispatch_todos

        sections.register(dispatch_tables)
        todo.register(dispatch_todos)
