from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Incoming mail that registers itself: scans read by OCR, fields read from the letter,
    e-mail intake; a pending incoming letter waits for the clerk's confirmation."""

    name = "intake"
    verbose_name = _("Incoming mail intake")
    periodic: dict[str, tuple[str, int]] = {
        "intake-mailboxes-poll": ("intake.tasks.mailboxes_poll", 60),
    }

    def ready(self) -> None:
        # Imported here: this module is loaded before the app registry is ready, and the
        # tenant file's section imports models.
        from organizations.tenantfile import register_section

        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
