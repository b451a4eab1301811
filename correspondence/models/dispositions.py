"""Dispositions: instructions down the chain from whoever holds a delivery."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.choices import SecurityLevel, Urgency

from ..choices import (
    DispositionState,
)
from ..querysets import DispositionQuerySet
from .common import transition_policy
from .deliveries import Delivery
from .letters import Letter


class Disposition(ConcurrentTransitionMixin, models.Model):
    """An instruction from a holder of a delivery to a position below, with a due date."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="dispositions")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="dispositions")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_as = models.ForeignKey(
        "organizations.Position", on_delete=models.PROTECT, related_name="+"
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to"),
    )
    instructions = models.JSONField(_("instructions"), default=list)
    note = models.TextField(_("note"), blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    # When the assignee was told it is due soon / overdue: each notice goes out once.
    due_soon_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.BIASA
    )
    security = models.CharField(max_length=16, choices=SecurityLevel.choices)
    state = FSMField(
        default=DispositionState.ISSUED, choices=DispositionState.choices, protected=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_text = models.TextField(_("report"), blank=True)
    report_file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    report_file_name = models.CharField(max_length=200, blank=True)

    objects = DispositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["to_position", "state"]),
            models.Index(fields=["issued_as", "state"]),
            models.Index(fields=["delivery", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.letter} → {self.to_position}"

    @transition(
        field=state,
        source=DispositionState.PREPARED,
        target=DispositionState.ISSUED,
        permission=transition_policy("can_confirm_disposition"),
    )
    def confirm(self, *, issuer):
        self.issued_by = issuer
        self.issued_at = timezone.now()

    @transition(
        field=state,
        source=DispositionState.ISSUED,
        target=DispositionState.READ,
        permission=transition_policy("can_act_on_disposition"),
    )
    def open(self, *, reader):
        self.read_at = timezone.now()
        self.read_by = reader

    @transition(
        field=state,
        source=[DispositionState.ISSUED, DispositionState.READ],
        target=DispositionState.DONE,
        permission=transition_policy("can_act_on_disposition"),
    )
    def report(self, *, reporter, text: str):
        self.reported_at = timezone.now()
        self.reported_by = reporter
        self.report_text = text
        if self.read_at is None:
            self.read_at, self.read_by = self.reported_at, reporter

    @transition(
        field=state,
        source=[DispositionState.ISSUED, DispositionState.PREPARED],
        target=DispositionState.CANCELLED,
        permission=transition_policy("can_cancel_disposition"),
    )
    def cancel(self):
        pass
