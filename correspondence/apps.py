from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    name = "correspondence"
    verbose_name = _("Correspondence")

    def ready(self) -> None:
        from organizations.tenantfile import register_section

        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
