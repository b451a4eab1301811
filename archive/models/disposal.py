"""The end of a record's life: legal holds, and disposal proposals with their items and
approval steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ..choices import Decision, Fate, ProposalState
from .fields import optional_user, report_record
from .records import Record


class LegalHold(models.Model):
    """A hold (e.g. a court case or an audit) that blocks disposal of the records under it."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    records = models.ManyToManyField(Record, related_name="holds", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = optional_user()
    release_reason = models.TextField(_("reason for release"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class DisposalProposal(models.Model):
    """A list of records whose retention ended, approved in turn by the named positions, then
    executed (destroyed with a berita acara, or made permanent)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"))
    state = FSMField(
        _("state"), default=ProposalState.DRAFT, choices=ProposalState.choices, protected=True
    )
    note = models.TextField(_("note"), blank=True)
    created_by = optional_user()
    created_at = models.DateTimeField(_("created"))
    executed_at = models.DateTimeField(_("executed"), null=True, blank=True)
    executed_by = optional_user()
    # The berita acara pemusnahan, itself filed as a permanent record.
    report = report_record()
    # Who signs the berita acara electronically (the official who gave the final approval),
    # named when it is filed; empty for a report filed before reports were signed.
    report_signer = optional_user()
    report_signed_at = models.DateTimeField(_("berita acara signed"), null=True, blank=True)

    class Meta:
        verbose_name = _("disposal proposal")
        verbose_name_plural = _("disposal proposals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="disposal_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{_('Disposal proposal')} {self.number}"

    @property
    def is_report_awaiting_signature(self) -> bool:
        return bool(self.report_id and self.report_signer_id and self.report_signed_at is None)

    @transition(field=state, source=ProposalState.DRAFT, target=ProposalState.PENDING)
    def submit(self) -> None:
        pass

    @transition(field=state, source=ProposalState.PENDING, target=ProposalState.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=ProposalState.PENDING, target=ProposalState.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=ProposalState.APPROVED, target=ProposalState.EXECUTED)
    def execute(self, *, at, actor) -> None:
        self.executed_at = at
        self.executed_by = actor

    @transition(
        field=state,
        source=[ProposalState.DRAFT, ProposalState.PENDING],
        target=ProposalState.CANCELLED,
    )
    def cancel(self) -> None:
        pass


class DisposalItem(models.Model):
    proposal = models.ForeignKey(DisposalProposal, on_delete=models.CASCADE, related_name="items")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="disposal_items")
    action = models.CharField(max_length=12, choices=Fate.choices, default=Fate.DESTROY)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "record"], name="disposal_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.record} ({self.get_action_display()})"


class DisposalApproval(models.Model):
    """One approver's step of a proposal, in order."""

    proposal = models.ForeignKey(
        DisposalProposal, on_delete=models.CASCADE, related_name="approvals"
    )
    step = models.PositiveSmallIntegerField()
    position = models.ForeignKey(
        "organizations.Position", on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_by = optional_user()
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["proposal", "step"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "step"], name="disposal_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} #{self.step}"
