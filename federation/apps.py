from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Letters between deployments: peers and their directories, signed envelopes through an
    outbox, signed receipts (delivered, read, done)."""

    name = "federation"
    verbose_name = _("Letters between deployments")
    periodic: dict[str, tuple[str, int]] = {
        "federation-directories-refresh": ("federation.tasks.directories_refresh", 6 * 3600),
        "federation-outbox-sweep": ("federation.tasks.outbox_sweep", 60),
    }

    def ready(self) -> None:
        # Imported here: the tenant file's section and the signal receivers import models.
        from organizations.tenantfile import register_section

        from . import receivers  # noqa: F401  (connects the letter signals)
        from .tenantfile import SECTIONS

        for section in SECTIONS:
            register_section(section)
