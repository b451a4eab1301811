"""System checks of notifications: push that production cannot send."""

from django.conf import settings
from django.core import checks


@checks.register()
def vapid_configured(app_configs, **kwargs):
    """Warn when production has no VAPID key (no push reaches any device) or a bad one."""
    from .webpush import vapid_keys

    try:
        keys = vapid_keys()
    except (ValueError, OSError) as exc:
        return [
            checks.Error(
                f"NASKAH_VAPID_PRIVATE_KEY cannot be read: {exc}",
                hint="Make a key pair with `manage.py vapid_keys`.",
                id="notifications.E001",
            )
        ]
    if keys is None and not settings.DEBUG:
        return [
            checks.Warning(
                "NASKAH_VAPID_PRIVATE_KEY is not set: no push notification reaches any device.",
                hint="Make a key pair with `manage.py vapid_keys` and set it in the environment.",
                id="notifications.W001",
            )
        ]
    return []
