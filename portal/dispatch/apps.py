from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "portal.dispatch"
    label = "dispatch"
    verbose_name = _("产业特派员")
    default_auto_field = "django.db.models.BigAutoField"
