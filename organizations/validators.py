"""Validators for Indonesian civil-service identifiers."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a5f7a."))
ECHELON = r"^(I|II|III|IV|V)(\.[ab])?$"
validate_echelon = RegexValidator(ECHELON, _("Use an echelon like II, III.a or IV.b."))


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def validate_nip(value: str) -> None:
    """NIP: 18 digits = birth date (YYYYMMDD), appointment (YYYYMM), sex (1/2), sequence (3)."""
    if len(value) != 18 or not value.isdigit():
        raise ValidationError(_("NIP must be exactly 18 digits."), code="nip_format")
    if not _is_date(int(value[0:4]), int(value[4:6]), int(value[6:8])):
        raise ValidationError(
            _("NIP digits 1-8 must be a birth date (YYYYMMDD)."), code="nip_birth"
        )
    if not 1 <= int(value[12:14]) <= 12:
        raise ValidationError(
            _("NIP digits 9-14 must be the appointment year and month (YYYYMM)."),
            code="nip_appointment",
        )
    if value[14] not in "12":
        raise ValidationError(_("NIP digit 15 must be 1 (male) or 2 (female)."), code="nip_sex")


def validate_nik(value: str) -> None:
    """NIK: 16 digits = region (6), birth date DDMMYY (women add 40 to the day), sequence (4)."""
    if len(value) != 16 or not value.isdigit():
        raise ValidationError(_("NIK must be exactly 16 digits."), code="nik_format")
    day, month = int(value[6:8]), int(value[8:10])
    if day > 40:
        day -= 40
    if not _is_date(2000, month, day):  # 2000 is a leap year: 29 February is accepted
        raise ValidationError(_("NIK digits 7-12 must be a birth date (DDMMYY)."), code="nik_birth")
