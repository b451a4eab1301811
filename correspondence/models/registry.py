"""Numbers: the gapless counters, numbers reserved for letters made by hand, and outages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    """A number taken in advance for a letter made by hand: reserved by a clerk, or held by a
    unit for an outage (`for_outage`, issued and topped up by the system)."""

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
    # Empty for the outage blocks the system issues.
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reserved_at = models.DateTimeField(auto_now_add=True)
    # The register this number was taken from (numbering.register_key).
    register = models.CharField(max_length=120, blank=True, default="", db_default="")
    for_outage = models.BooleanField(default=False, db_default=False)
    # The letter registered under this number (state USED).
    letter = models.OneToOneField(
        "correspondence.Letter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservation",
    )
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
            ),
            # A number taken from a register is reserved once, whatever its unit or type.
            models.UniqueConstraint(
                fields=["register", "seq"],
                condition=~Q(register=""),
                name="reservation_register_seq_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "unit", "year"],
                condition=Q(for_outage=True, state="reserved"),
                name="reservation_outage_open",
            )
        ]

    def __str__(self) -> str:
        return self.number


class Outage(models.Model):
    """A period the platform was down (or unreachable) for a tenant, recorded by its
    administrator, often after the fact: letters made by hand then carry outage numbers."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outage")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="outage_ends_after_start",
            ),
            # One open outage per tenant at a time.
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(ended_at__isnull=True), name="outage_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.reason}"
