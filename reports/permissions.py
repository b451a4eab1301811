"""Whose figures a user may see: a head their subtree; the Sekda, the regional head and the
tenant admin the whole tenant; nobody another tenant."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from correspondence.querysets import effective_position_ids
from organizations.models import Position, Unit
from organizations.permissions import can_admin_tenant


def report_units(user, tenant) -> QuerySet[Unit] | None:
    """The units whose figures the user may see (their whole subtrees), or None when none."""
    if not user.is_authenticated or user.tenant_id != tenant.pk:
        return None
    if can_admin_tenant(user, tenant):
        return Unit.objects.filter(tenant=tenant)
    heads = Position.objects.filter(
        pk__in=effective_position_ids(user), is_head=True, tenant=tenant
    ).select_related("unit")
    units = [p.unit for p in heads]
    if not units:
        return None
    # The head of a root unit (the regional head) or of the secretariat directly under it
    # (the Sekda) sees the whole tenant.
    if any(u.depth == 1 or (u.depth == 2 and u.kind == "secretariat") for u in units):
        return Unit.objects.filter(tenant=tenant)
    subtree = Q()
    for unit in units:
        subtree |= Q(path__startswith=unit.path)
    return Unit.objects.filter(tenant=tenant).filter(subtree)


def can_view_reports(user, tenant) -> bool:
    """The user may see some unit's figures (see `report_units`)."""
    return report_units(user, tenant) is not None
