from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        import core.lookups  # noqa: F401  (registers `field__any`, used by every app)
        from organizations.access import access_signal_handler
        from organizations.tenantfile import register_section

        from .models import SecurityReach
        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
        # A level's reach decides who reads what (kept across requests with who handles what).
        for signal in (post_save, post_delete):
            signal.connect(
                access_signal_handler,
                sender=SecurityReach,
                weak=False,
                dispatch_uid=f"access-{signal is post_save}-SecurityReach",
            )
