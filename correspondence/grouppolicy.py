"""Who may see and keep saved recipient groups. Kept beside `permissions.py` (which is at its
600-line limit) and asked by the picker's selectors, services and views alike."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from organizations.models import User
from organizations.permissions import can_admin_tenant

from .models import RecipientGroup


def recipient_groups_visible_to(user: User) -> QuerySet[RecipientGroup]:
    """The groups a user may pick: their tenant's tenant-wide groups and their own."""
    if not (user and user.is_authenticated and user.is_active and user.tenant_id):
        return RecipientGroup.objects.none()
    return RecipientGroup.objects.filter(
        Q(owner__isnull=True) | Q(owner_id=user.pk), tenant_id=user.tenant_id
    )


def can_keep_tenant_groups(user: User) -> bool:
    """Tenant-wide groups are kept by the tenant's administrators."""
    return bool(user.tenant_id) and can_admin_tenant(user, user.tenant)


def can_edit_recipient_group(user: User, group: RecipientGroup) -> bool:
    """A personal group is its owner's alone; a tenant-wide one its tenant administrators'."""
    if not (user and user.is_authenticated and user.is_active) or user.tenant_id != group.tenant_id:
        return False
    if group.owner_id is not None:
        return group.owner_id == user.pk
    return can_keep_tenant_groups(user)
