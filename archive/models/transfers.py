"""Transfers (pemindahan) and handovers (penyerahan) of records, with their lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ..choices import TransferKind, TransferState
from .fields import optional_user, report_record
from .records import Record


class Transfer(models.Model):
    """Pemindahan (inactive records to the records unit) or penyerahan (permanent records to
    the static archive), with its list."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    number = models.PositiveIntegerField(_("number"))
    state = FSMField(
        _("state"), default=TransferState.DRAFT, choices=TransferState.choices, protected=True
    )
    from_unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    receiver = models.CharField(_("receiver"), max_length=200, blank=True)
    records = models.ManyToManyField(Record, related_name="transfers", blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = optional_user()
    # What is filed when the list is received: the transfer's list, or the handover's berita
    # acara penyerahan with its list, as a permanent record of the records unit.
    report = report_record()
    # Who signs it electronically: the head of the unit handing over, named when it is filed;
    # empty for a list filed before lists were signed, or a unit with no head in post.
    report_signer = optional_user()
    report_signed_at = models.DateTimeField(_("signed"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "number"], name="transfer_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_report_awaiting_signature(self) -> bool:
        return bool(self.report_id and self.report_signer_id and self.report_signed_at is None)

    @transition(field=state, source=TransferState.DRAFT, target=TransferState.SENT)
    def send(self, *, at) -> None:
        self.sent_at = at

    @transition(field=state, source=TransferState.SENT, target=TransferState.RECEIVED)
    def receive(self, *, at, actor) -> None:
        self.received_at = at
        self.received_by = actor

    @transition(
        field=state,
        source=[TransferState.DRAFT, TransferState.SENT],
        target=TransferState.CANCELLED,
    )
    def cancel(self) -> None:
        pass
