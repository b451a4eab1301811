from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the service: backup and restore, the leased task worker, the periodic
    scheduler's command, files published on commit and the jobs that keep them tidy."""

    name = "ops"
    verbose_name = _("Operations")
    # The project's own periodic jobs (each app names its own in its AppConfig).
    periodic = {
        "heartbeat": ("core.tasks.heartbeat", 60),
        "pending-files-sweep": ("ops.tasks.pending_files_sweep", 600),
    }
