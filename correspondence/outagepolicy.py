"""Who may see a unit's outage numbers, record an outage, and register a letter made by hand
under an outage number. Kept beside `permissions.py` (which is at its 600-line limit).

- A unit's outage sheet is for its own people: whoever holds a post in the unit or in a unit
  below it within its OPD (a seksi's staff draft letters their bidang or OPD signs, so they
  see those sheets too; an OPD's staff do not see the mayor's), the unit's agenda clerk and TU, and the tenant's administrators (who run the
  outage).
- An outage is recorded and ended by a tenant administrator.
- A letter made by hand is registered by the agenda clerk or TU of the unit that holds the
  number (the same people who register paper letters and reserve numbers).
"""

from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import Tenant, Unit, User
from organizations.permissions import can_admin_tenant
from organizations.selectors import positions_held, units_up_to_opd

from .models import Letter, NumberReservation
from .permissions import can_register_incoming, register_units


def _member(user) -> bool:
    return bool(user and user.is_authenticated and user.tenant_id and user.is_active)


def _own_unit_ids(user: User) -> set[int]:
    """The units of the user's posts and those above them up to their OPD."""
    paths = set(positions_held(user).values_list("unit__path", flat=True))
    return {pk for chain in units_up_to_opd(user.tenant_id, paths).values() for pk in chain}


def outage_sheet_units(user: User) -> QuerySet[Unit]:
    """Units whose outage sheet the user may see (none for another tenant's)."""
    if not _member(user):
        return Unit.objects.none()
    units = Unit.objects.filter(tenant_id=user.tenant_id)
    if can_admin_tenant(user, user.tenant):
        return units.order_by("path")
    own = _own_unit_ids(user)
    clerk = list(register_units(user).values_list("pk", flat=True))
    return (units.filter(pk__in=own) | units.filter(pk__in=clerk)).distinct().order_by("path")


def can_view_outage_sheet(user: User, unit: Unit) -> bool:
    """Whether the user may see the unit's outage numbers."""
    return outage_sheet_units(user).filter(pk=unit.pk).exists()


def can_manage_outages(user: User, tenant: Tenant) -> bool:
    """Tenant administrators record an outage (also after the fact) and end it."""
    return _member(user) and user.tenant_id == tenant.pk and can_admin_tenant(user, tenant)


def outage_register_units(user: User) -> QuerySet[Unit]:
    """Units under whose outage numbers the user may register letters made by hand."""
    if not _member(user):
        return Unit.objects.none()
    return register_units(user)


def can_register_outage_number(user: User, reservation: NumberReservation) -> bool:
    """The clerk or TU of the number's unit registers the letter made under it."""
    return (
        _member(user)
        and reservation.for_outage
        and reservation.tenant_id == user.tenant_id
        and can_register_incoming(user, reservation.unit)
    )


def can_register_outage_letter(user: User, letter: Letter) -> bool:
    """The FSM permission of `Letter.record_made_by_hand`: the clerk or TU of the unit whose
    register the letter's number comes from."""
    unit = letter.number_unit or letter.unit
    return (
        _member(user) and letter.tenant_id == user.tenant_id and can_register_incoming(user, unit)
    )


def register_book_units(user: User) -> QuerySet[Unit]:
    """Units whose number registers the user may read in order: their clerk or TU, and the
    tenant's administrators (every unit)."""
    if not _member(user):
        return Unit.objects.none()
    if can_admin_tenant(user, user.tenant):
        return Unit.objects.filter(tenant_id=user.tenant_id, is_active=True).order_by("path")
    return register_units(user)
