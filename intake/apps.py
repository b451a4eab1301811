from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Incoming mail that registers itself: scans read by OCR, fields read from the letter,
    e-mail intake; a pending incoming letter waits for the clerk's confirmation."""

    name = "intake"
    verbose_name = _("Incoming mail intake")
    periodic: dict[str, tuple[str, int]] = {}
