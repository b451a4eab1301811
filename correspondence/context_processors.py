"""What every page of a tenant may show: whether an outage is recorded as going on."""

from __future__ import annotations


def outage(request):
    user = getattr(request, "user", None)

    def outage_active() -> bool:  # evaluated only by the base template, for members
        # Imported here: services load models, which are not ready when settings are read.
        from .services import outage_open

        return bool(user and user.is_authenticated and user.tenant_id) and (
            outage_open(user.tenant_id) is not None
        )

    return {"outage_active": outage_active}
