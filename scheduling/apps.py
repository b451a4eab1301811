from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")
    periodic = {"event-reminders": ("scheduling.tasks.reminders_send", 60)}

    def ready(self) -> None:
        from organizations.tenantfile import register_section

        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
