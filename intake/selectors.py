"""Reads of the intake."""

from __future__ import annotations

from django.db.models import Count, Q

from . import permissions as policy
from .choices import IntakeState
from .models import PendingIncoming


def pending_of_user(user):
    """The pending letters of the units whose register the user keeps, oldest first."""
    return (
        PendingIncoming.objects.filter(
            unit__in=policy.register_units(user), state=IntakeState.PENDING
        )
        .select_related("unit")
        .order_by("created_at", "id")
    )


def closed_of_user(user, limit: int = 20):
    return (
        PendingIncoming.objects.filter(unit__in=policy.register_units(user))
        .exclude(state=IntakeState.PENDING)
        .select_related("unit", "letter", "closed_by")
        .order_by("-closed_at", "-id")[:limit]
    )


def pending_for_user(user, pk: int) -> PendingIncoming | None:
    row = PendingIncoming.objects.filter(pk=pk).select_related("unit", "tenant").first()
    if row is None or not policy.can_handle_pending(user, row):
        return None
    return row


def reading_accuracy(tenant_id: int) -> dict[str, dict]:
    """For each compared field, how many registered letters kept what was read
    ({field: {"read": n, "kept": n}}): the measure of the field rules in real use."""
    from .services.pending import COMPARED

    rows = PendingIncoming.objects.filter(tenant_id=tenant_id, state=IntakeState.REGISTERED)
    out = {}
    for field in COMPARED:
        figures = rows.aggregate(
            read=Count("pk", filter=~Q(**{f"corrections__{field}__read": None})),
            kept=Count("pk", filter=Q(**{f"corrections__{field}__same": True})),
        )
        out[field] = figures
    return out
