from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Logins and what guards them: two-step verification, lockout, API tokens, the security
    log of logins and permission changes."""

    name = "accounts"
    verbose_name = _("Accounts and security")

    def ready(self) -> None:
        from . import schema, signals  # noqa: F401  (OpenAPI auth scheme; login audit)
