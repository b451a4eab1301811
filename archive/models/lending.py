"""Loans (peminjaman arsip) of paper records."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ..choices import LoanState
from .fields import optional_user
from .records import Record


class Loan(models.Model):
    """Peminjaman arsip: a paper record lent to a civil servant until a due date."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("borrower"),
    )
    purpose = models.TextField(_("purpose"))
    state = FSMField(
        _("state"), default=LoanState.REQUESTED, choices=LoanState.choices, protected=True
    )
    requested_at = models.DateTimeField(_("requested"))
    decided_by = optional_user()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    lent_at = models.DateTimeField(_("lent"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    received_by = optional_user()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-id"]
        constraints = [
            # A paper record is in one place at a time.
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(state__in=["approved", "lent"]),
                name="loan_one_out_per_record",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "state", "due_date"], name="loan_due")]

    def __str__(self) -> str:
        return f"{self.record} → {self.borrower}"

    @property
    def is_open(self) -> bool:
        return self.state in LoanState.open()

    def is_overdue(self, today: dt.date) -> bool:
        return self.state == LoanState.LENT and self.due_date is not None and self.due_date < today

    @transition(field=state, source=LoanState.REQUESTED, target=LoanState.APPROVED)
    def approve(self, *, at, actor, note: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_note = at, actor, note

    @transition(field=state, source=LoanState.REQUESTED, target=LoanState.REJECTED)
    def reject(self, *, at, actor, note: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_note = at, actor, note

    @transition(field=state, source=LoanState.APPROVED, target=LoanState.LENT)
    def lend(self, *, at, due: dt.date) -> None:
        self.lent_at, self.due_date = at, due

    @transition(field=state, source=LoanState.LENT, target=LoanState.RETURNED)
    def give_back(self, *, at, actor) -> None:
        self.returned_at, self.received_by = at, actor

    @transition(
        field=state, source=[LoanState.REQUESTED, LoanState.APPROVED], target=LoanState.CANCELLED
    )
    def cancel(self) -> None:
        pass
