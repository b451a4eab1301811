"""The policy of the intake: who sees and registers pending incoming letters.

A pending letter belongs to the unit's incoming register: the clerks who may register the
unit's incoming letters (correspondence's `can_register_incoming`) see, correct, register or
discard it; nobody else learns it exists.
"""

from __future__ import annotations

from correspondence import permissions as letters_policy

from .choices import IntakeState


def register_units(user):
    """The units whose pending letters the user keeps."""
    return letters_policy.register_units(user)


def can_handle_pending(user, pending) -> bool:
    return getattr(
        user, "tenant_id", None
    ) == pending.tenant_id and letters_policy.can_register_incoming(user, pending.unit)


def can_register_pending(user, pending) -> bool:
    return pending.state == IntakeState.PENDING and can_handle_pending(user, pending)
