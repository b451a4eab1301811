from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")
    periodic = {"event-reminders": ("scheduling.tasks.reminders_send", 60)}

    def ready(self) -> None:
        # Imported here, not at the top: these load models, and apps.py runs before the app
        # registry is ready (Django's load order, not a style choice).
        from notifications.registry import confidential_register_field
        from organizations.tenantfile import register_section
        from workflows.choices import SecurityLevel

        from .models import Event
        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
        # A confidential meeting's invitations and reminders reach phones without their title.
        confidential_register_field(Event, "security", SecurityLevel.confidential())
