"""The receiving side: a letter in a unit's inbox, inbox delegation, and the inbox change log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.choices import SecurityLevel, Urgency

from ..choices import (
    DeliveryState,
    RecipientKind,
)
from ..querysets import DeliveryQuerySet
from .common import transition_policy
from .letters import Letter, Recipient


class Delivery(ConcurrentTransitionMixin, models.Model):
    """A letter in one recipient unit's inbox (or addressed to one position there)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("addressed position"),
    )
    kind = models.CharField(max_length=2, choices=RecipientKind.choices)
    security = models.CharField(max_length=16, choices=SecurityLevel.choices)
    urgency = models.CharField(max_length=16, choices=Urgency.choices)
    state = FSMField(default=DeliveryState.DELIVERED, choices=DeliveryState.choices, protected=True)
    agenda_year = models.PositiveSmallIntegerField()
    agenda_seq = models.PositiveIntegerField()
    agenda_number = models.CharField(_("agenda number"), max_length=60)
    delivered_at = models.DateTimeField(_("delivered"), default=timezone.now)
    first_read_at = models.DateTimeField(_("first read"), null=True, blank=True)
    first_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    # A delivery one receiving unit passed on to another (Teruskan): who did, from which
    # delivery, and their note, shown to the unit it was forwarded to.
    forwarded_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="forwards"
    )
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # db_default: the load generator's COPY writes deliveries without this column.
    forward_note = models.TextField(_("forwarding note"), blank=True, db_default="")

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_at", "-id"]
        indexes = [
            # Covering: a unit inbox's page and counts read the index alone (100,000 rows).
            models.Index(
                fields=["unit", "-delivered_at", "-id"],
                include=["tenant", "security", "position", "state", "kind"],
                name="delivery_unit_inbox_v2",
            ),
            models.Index(fields=["position", "-delivered_at"]),
            models.Index(fields=["tenant", "delivered_at"], name="delivery_tenant_time"),
            models.Index(fields=["letter", "unit"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "agenda_year", "agenda_seq"], name="delivery_agenda_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agenda_number} {self.letter}"

    @property
    def is_confidential(self) -> bool:
        return self.security in SecurityLevel.confidential()

    def is_to(self) -> bool:
        return self.kind == RecipientKind.TO

    def is_cc(self) -> bool:
        return self.kind == RecipientKind.CC

    @transition(
        field=state,
        source=DeliveryState.DELIVERED,
        target=DeliveryState.READ,
        permission=transition_policy("can_view_delivery"),
    )
    def open(self, *, reader):
        self.first_read_at = timezone.now()
        self.first_read_by = reader

    @transition(
        field=state,
        source=[DeliveryState.READ, DeliveryState.DELIVERED],
        target=DeliveryState.IN_PROGRESS,
        conditions=[is_to],
        permission=transition_policy("can_disposition_delivery"),
    )
    def start(self):
        pass

    @transition(
        field=state,
        source=[DeliveryState.READ, DeliveryState.IN_PROGRESS],
        target=DeliveryState.DONE,
        conditions=[is_to],
        permission=transition_policy("can_finish_delivery"),
    )
    def finish(self):
        self.done_at = timezone.now()

    @transition(
        field=state,
        source=[DeliveryState.DELIVERED, DeliveryState.READ],
        target=DeliveryState.DONE,
        conditions=[is_cc],
        permission=transition_policy("can_view_delivery"),
    )
    def acknowledge(self, *, reader):
        """A copy (tembusan) is only to be known: "sudah dibaca" closes it."""
        now = timezone.now()
        if self.first_read_at is None:
            self.first_read_at, self.first_read_by = now, reader
        self.done_at = now

    @transition(
        field=state,
        source=[DeliveryState.DELIVERED, DeliveryState.READ, DeliveryState.IN_PROGRESS],
        target=DeliveryState.RETRACTED,
    )
    def withdraw_by_sender(self):
        pass


class Delegation(models.Model):
    """A head hands inbox handling to a named person for a period (cuti, dinas luar)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    position = models.ForeignKey(
        "organizations.Position", on_delete=models.CASCADE, related_name="delegations"
    )
    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("delegate"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["delegate", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="delegation_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}"


class InboxChange(models.Model):
    """A committed change to the rows of a unit's inbox, written by database triggers on
    deliveries, their dispositions and their grants (migration 0008): the sum of a unit's
    weights is the version its kept inbox counts are read under (`correspondence.inboxcount`).
    Rows are folded into one per unit now and then; the sum never changes by that."""

    unit_id = models.BigIntegerField(db_index=True)
    weight = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"unit {self.unit_id} +{self.weight}"
