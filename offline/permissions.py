"""Who may send queued actions: a signed-in member of a tenant, on their tenant's host (each
action then asks correspondence's own policy)."""

from __future__ import annotations


def can_queue_actions(user, tenant) -> bool:
    """Whether `user` may send or list queued actions on the host of `tenant`."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.tenant_id
        and tenant is not None
        and user.tenant_id == tenant.pk
    )
