"""Reads for outages: a unit's outage sheet (also as JSON for the app's offline store), the
numbers a clerk may register under, the outages recorded, and a register in number order."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet

from organizations.models import Tenant, Unit, User

from . import numbering, outagepolicy
from .choices import ReservationState
from .models import Letter, LetterType, NumberCounter, NumberReservation, Outage


def outage_numbers_held(units) -> QuerySet[NumberReservation]:
    """The outage numbers the units hold now, by unit, type and number."""
    return (
        NumberReservation.objects.filter(
            unit__in=units, for_outage=True, state=ReservationState.RESERVED
        )
        .select_related("unit", "letter_type")
        .order_by("unit__path", "letter_type__sort_order", "letter_type__code", "year", "seq")
    )


@dataclass
class SheetBlock:
    letter_type: LetterType
    numbers: list[NumberReservation]


@dataclass
class Sheet:
    unit: Unit
    blocks: list[SheetBlock]


def outage_sheets(units) -> list[Sheet]:
    """One sheet per unit that holds outage numbers: its numbers per letter type."""
    sheets = []
    rows = outage_numbers_held(units)
    for unit, of_unit in groupby(rows, key=lambda r: r.unit):
        blocks = [
            SheetBlock(letter_type=t, numbers=list(nums))
            for t, nums in groupby(of_unit, key=lambda r: r.letter_type)
        ]
        sheets.append(Sheet(unit=unit, blocks=blocks))
    return sheets


def outage_numbers_data(user: User) -> dict:
    """The user's units' outage numbers as the app's offline store keeps them."""
    sheets = outage_sheets(outagepolicy.outage_sheet_units(user))
    return {
        "units": [
            {
                "id": s.unit.pk,
                "code": s.unit.code,
                "name": s.unit.name,
                "types": [
                    {
                        "code": b.letter_type.code,
                        "name": b.letter_type.name,
                        "numbers": [
                            {"id": n.pk, "number": n.number, "seq": n.seq, "year": n.year}
                            for n in b.numbers
                        ],
                    }
                    for b in s.blocks
                ],
            }
            for s in sheets
        ]
    }


def outage_number_for_user(user: User, pk: int) -> NumberReservation | None:
    """An outage number (held or used) of a unit whose letters the user registers, or None."""
    return (
        NumberReservation.objects.filter(
            pk=pk, for_outage=True, unit__in=outagepolicy.outage_register_units(user)
        )
        .select_related("unit__tenant", "letter_type")
        .first()
    )


def outages_of(tenant: Tenant) -> QuerySet[Outage]:
    return Outage.objects.filter(tenant=tenant).select_related("started_by", "ended_by")


def outage_for_admin(user: User, pk: int) -> Outage | None:
    """A recorded outage of the user's tenant they may end, or None."""
    if not user.tenant_id or not outagepolicy.can_manage_outages(user, user.tenant):
        return None
    return Outage.objects.filter(pk=pk, tenant_id=user.tenant_id).first()


def outage_letters(units) -> QuerySet[NumberReservation]:
    """The used outage numbers of the units, newest first, with their letters."""
    return (
        NumberReservation.objects.filter(
            unit__in=units, for_outage=True, state=ReservationState.USED
        )
        .select_related("letter", "unit", "letter_type")
        .order_by("-closed_at")
    )


@dataclass
class RegisterEntry:
    seq: int
    letter: Letter | None = None
    reservation: NumberReservation | None = None

    @property
    def kind(self) -> str:
        if self.letter is not None:
            return "outage-letter" if self.reservation is not None else "letter"
        if self.reservation is not None:
            return self.reservation.state
        return "missing"


def register_last(tenant: Tenant, unit: Unit, letter_type: LetterType, year: int) -> int:
    key = numbering.register_key(letter_type, tenant, unit, year)
    return NumberCounter.objects.filter(key=key).values_list("last", flat=True).first() or 0


def register_entries(
    tenant: Tenant, unit: Unit, letter_type: LetterType, year: int, seqs: range
) -> list[RegisterEntry]:
    """The register the type's letters of `unit` are numbered in, for `year`, as one entry per
    number in `seqs`: the letter that carries it, the reservation that holds it (or voided it),
    or "missing" (a number the register gave to nothing it knows of)."""
    key = numbering.register_key(letter_type, tenant, unit, year)
    names = numbering.pattern_names(numbering.effective_pattern(letter_type, tenant))
    same_register = [
        t.pk
        for t in LetterType.objects.filter(tenant=tenant)
        if numbering.register_key(t, tenant, unit, year) == key
    ]
    letters = Letter.objects.filter(
        tenant=tenant,
        letter_type__in=same_register,
        number_seq__gte=seqs.start,
        number_seq__lt=seqs.stop,
    ).select_related("reservation")
    if "unit" in names:
        letters = letters.filter(number_unit=unit)
    if "year" in names:
        letters = letters.filter(number_year=year)
    held = NumberReservation.objects.filter(
        register=key, seq__gte=seqs.start, seq__lt=seqs.stop
    ).select_related("unit")
    by_seq = {s: RegisterEntry(seq=s) for s in seqs}
    for r in held:
        by_seq[r.seq].reservation = r
    for letter in letters:
        by_seq[letter.number_seq].letter = letter
    return [by_seq[s] for s in seqs]
