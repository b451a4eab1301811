from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Imported here, not at the top: these load models, and apps.py runs before the app
        # registry is ready (Django's load order, not a style choice).
        from .access import access_signal_handler
        from .models import Assignment, Position, Tenant, TenantDomain, Unit, UnitRole
        from .selectors import tenant_cache_clear

        # Cache invalidation only: admin edits of a tenant or its hosts take effect at once.
        def clear(**kwargs) -> None:
            tenant_cache_clear()

        for model in (Tenant, TenantDomain):
            post_save.connect(
                clear, sender=model, weak=False, dispatch_uid=f"tenant-cache-{model.__name__}"
            )
            post_delete.connect(
                clear, sender=model, weak=False, dispatch_uid=f"tenant-cache-del-{model.__name__}"
            )
        # Who handles what is kept across requests; these models decide it.
        for model in (Unit, Position, Assignment, UnitRole):
            for signal in (post_save, post_delete):
                signal.connect(
                    access_signal_handler,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"access-{signal is post_save}-{model.__name__}",
                )
