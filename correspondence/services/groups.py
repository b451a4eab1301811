"""Saved recipient groups: a user keeps the current selection as a group of their own; a
tenant administrator keeps the tenant's (the tenant file keeps them too)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import Position, Unit, User

from ..grouppolicy import can_edit_recipient_group, can_keep_tenant_groups
from ..models import RecipientGroup
from ..picker import picker_choices

MAX_MEMBERS = 500


@transaction.atomic
def recipient_group_save(
    *,
    by: User,
    name: str,
    units: list[Unit],
    positions: list[Position],
    tenant_wide: bool = False,
) -> RecipientGroup:
    """Keep a selection under a name (replacing the members of the user's group of that name).
    Raises ValidationError (no name, no member, a member the form would not offer) and
    PermissionDenied (a tenant-wide group by someone who does not keep them)."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise ValidationError({"name": _("Give the group a name of at most 120 characters.")})
    if tenant_wide and not can_keep_tenant_groups(by):
        raise PermissionDenied(_("Only a tenant administrator keeps the tenant's groups."))
    unit_ids = {u.pk for u in units}
    position_ids = {p.pk for p in positions}
    if not unit_ids and not position_ids:
        raise ValidationError({"members": _("Choose the recipients to keep first.")})
    if len(unit_ids) + len(position_ids) > MAX_MEMBERS:
        raise ValidationError({"members": _("A group holds at most 500 recipients.")})
    offered_units = picker_choices(by, "unit").filter(pk__in=unit_ids).count()
    offered_posts = picker_choices(by, "position").filter(pk__in=position_ids).count()
    if offered_units != len(unit_ids) or offered_posts != len(position_ids):
        raise ValidationError({"members": _("Unknown recipient.")})
    owner = None if tenant_wide else by
    group = (
        RecipientGroup.objects.select_for_update()
        .filter(tenant_id=by.tenant_id, owner=owner, name=name)
        .first()
    )
    if group is None:
        group = RecipientGroup.objects.create(tenant_id=by.tenant_id, owner=owner, name=name)
    elif not can_edit_recipient_group(by, group):
        raise PermissionDenied(_("You may not change this group."))
    group.units.set(unit_ids)
    group.positions.set(position_ids)
    return group


@transaction.atomic
def recipient_group_delete(*, by: User, group: RecipientGroup) -> None:
    """Delete a group. Raises PermissionDenied unless the user keeps it."""
    if not can_edit_recipient_group(by, group):
        raise PermissionDenied(_("You may not change this group."))
    group.delete()
