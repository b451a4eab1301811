"""Who may do what to the organisation. One place decides; views and API call these."""

from __future__ import annotations

from .access import access_remembered
from .choices import RoleKind
from .models import Tenant, Unit, User
from .selectors import user_has_role


def can_login_to_tenant(user: User, tenant: Tenant | None) -> bool:
    """A user logs in only on their own tenant's hosts; platform operators on any tenant host."""
    if tenant is None or not user.is_active:
        return False
    if user.tenant_id is None:
        return user.is_superuser
    return user.tenant_id == tenant.pk


def can_view_organization(user: User, tenant: Tenant) -> bool:
    """Every member of a tenant sees its organisation tree (for addressing letters)."""
    return user.is_authenticated and user.is_active and user.tenant_id == tenant.pk


def can_admin_platform(user: User) -> bool:
    """Platform operators (superusers) alone manage what no tenant owns: tenants themselves,
    devices, lockout logs, task results, groups."""
    return user.is_superuser


def can_admin_tenant(user: User, tenant: Tenant) -> bool:
    """Tenant administrators (and platform operators) manage units, positions and users."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser and user.tenant_id in (None, tenant.pk):
        return True
    return user.tenant_id == tenant.pk and access_remembered(
        user, "tenant_admin", lambda: user_has_role(user, RoleKind.TENANT_ADMIN)
    )


def can_admin_unit(user: User, unit: Unit) -> bool:
    """Tenant admins, and unit admins of the unit or one of its ancestors."""
    if can_admin_tenant(user, unit.tenant):
        return True
    if not user.is_authenticated or user.tenant_id != unit.tenant_id:
        return False
    ancestors = [unit.path[: i * Unit.steplen] for i in range(1, unit.depth + 1)]
    return user.roles.filter(kind=RoleKind.UNIT_ADMIN, unit__path__in=ancestors).exists()
