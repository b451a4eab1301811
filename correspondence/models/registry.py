"""Numbers: the gapless counters and numbers reserved for letters made by hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import (
    ReservationState,
)
from .reference import LetterType


class NumberCounter(models.Model):
    """The last number given for one key (a letter register, `numbering.register_key`, or a
    unit's agenda + year)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


class NumberReservation(models.Model):
    """A number taken in advance for a letter made by hand during an outage."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    letter_type = models.ForeignKey(LetterType, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=120)
    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.RESERVED
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reserved_at = models.DateTimeField(auto_now_add=True)
    bound_subject = models.CharField(_("subject"), max_length=300, blank=True)
    bound_file = models.FileField(upload_to="reserved/%Y/", blank=True)
    bound_sha256 = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "unit", "letter_type", "year", "seq"],
                name="reservation_unique",
            )
        ]

    def __str__(self) -> str:
        return self.number
