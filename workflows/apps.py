from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    # The project's own periodic jobs live here (the naskah package is not an app).
    periodic = {"heartbeat": ("naskah.tasks.heartbeat", 60)}

    def ready(self) -> None:
        import naskah.lookups  # noqa: F401  (registers `field__any`, used by every app)
