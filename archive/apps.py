from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")
    periodic = {"archive-retention-sweep": ("archive.tasks.retention_sweep", 24 * 60 * 60)}

    def ready(self) -> None:
        from organizations.tenantfile import register_section

        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
