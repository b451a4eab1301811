"""Delegating a head's inbox to a named person for a period."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import Position, User
from workflows.services import security_event_by
from workflows.transitions import row_lock

from ..models import (
    Delegation,
)
from ..querysets import held_position_ids
from .common import (
    tenant_today,
)


@transaction.atomic
def delegation_create(
    *,
    by: User,
    delegate: User,
    start_date: dt.date,
    end_date: dt.date,
    reason: str = "",
    position: Position | None = None,
) -> Delegation:
    """A head delegates inbox handling of their post to a named person for a period."""
    held = Position.objects.filter(pk__in=held_position_ids(by), is_head=True)
    position = position or held.first()
    if position is None or not held.filter(pk=position.pk).exists():
        raise PermissionDenied(_("Only a head can delegate their inbox."))
    if delegate.tenant_id != by.tenant_id or delegate.pk == by.pk or not delegate.is_active:
        raise ValidationError({"delegate": _("Choose another person of this government.")})
    if end_date < start_date:
        raise ValidationError({"end_date": _("The period ends before it starts.")})
    if end_date < tenant_today(position.tenant):
        raise ValidationError({"end_date": _("The period has already ended.")})
    d = Delegation.objects.create(
        tenant_id=by.tenant_id,
        position=position,
        delegator=by,
        delegate=delegate,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
    )
    security_event_by(
        by,
        "delegation.created",
        target=d,
        detail={"delegate": delegate.pk, "from": str(start_date), "until": str(end_date)},
    )
    return d


@transaction.atomic
def delegation_end(*, delegation: Delegation, by: User) -> Delegation:
    """End a delegation now (the delegator or the delegate may)."""
    delegation = row_lock(delegation)
    if by.pk not in (delegation.delegator_id, delegation.delegate_id):
        raise PermissionDenied
    today = tenant_today(delegation.position.tenant)
    yesterday = today - dt.timedelta(days=1)
    delegation.start_date = min(delegation.start_date, yesterday)
    delegation.end_date = min(delegation.end_date, yesterday)
    delegation.save(update_fields=["start_date", "end_date"])
    security_event_by(by, "delegation.ended", target=delegation)
    return delegation
