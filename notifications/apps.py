from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    periodic = {"notification-digest": ("notifications.tasks.digest_send", 900)}

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the system checks
