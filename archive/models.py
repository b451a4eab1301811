"""The records store: the file plan (classifications with their retention rule), records and
their files, case files (berkas), legal holds, disposal proposals, transfers and loans.

The archive knows nothing of letters: a record points at its source through a generic link
(`source`), and correspondence files a finished letter through `archive.services`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.choices import SecurityLevel

from .choices import (
    Decision,
    Fate,
    FileKind,
    LoanState,
    Medium,
    ProposalState,
    RecordState,
    TextState,
    TransferKind,
    TransferState,
)
from .querysets import CaseFileQuerySet, RecordQuerySet


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved `years` on; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ArchiveSettings(models.Model):
    """A tenant's archive rules (the tenant file's `archive` section)."""

    tenant = models.OneToOneField(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="archive_settings"
    )
    records_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("records unit"),
        help_text=_("The unit that receives inactive records (unit kearsipan)."),
    )
    static_archive = models.CharField(
        _("static archive"),
        max_length=200,
        blank=True,
        help_text=_("Who receives permanent records (lembaga kearsipan daerah)."),
    )
    # Position ids, in the order they approve a disposal (e.g. head of the archive unit, then
    # the regional secretary).
    disposal_approvers = models.JSONField(_("disposal approvers"), default=list, blank=True)
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=14)

    class Meta:
        verbose_name = _("archive settings")
        verbose_name_plural = _("archive settings")

    def __str__(self) -> str:
        return str(self.tenant)


class Classification(models.Model):
    """A code of the file plan (klasifikasi arsip) with its retention rule (JRA)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    active_years = models.PositiveSmallIntegerField(_("years active"), default=2)
    inactive_years = models.PositiveSmallIntegerField(_("years inactive"), default=3)
    fate = models.CharField(
        _("final fate"), max_length=12, choices=Fate.choices, default=Fate.DESTROY
    )
    default_security = models.CharField(
        _("default security"),
        max_length=16,
        choices=SecurityLevel.choices,
        default=SecurityLevel.BIASA,
    )
    units = models.ManyToManyField(
        "organizations.Unit", blank=True, related_name="+", verbose_name=_("responsible units")
    )
    archivists = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("archivists")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="classification_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CaseFile(models.Model):
    """A berkas: the records of one activity or matter under one classification."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="case_files"
    )
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # The key of the letter thread it was opened for ("letter:<root id>"), so later letters of
    # the same thread are proposed into it.
    thread_key = models.CharField(max_length=60, blank=True, db_index=True)
    is_closed = models.BooleanField(_("closed"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="casefile_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Record(models.Model):
    """An archival record: metadata, medium and place, retention dates and its life state."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    number = models.CharField(_("number"), max_length=120, blank=True)
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    # The text of its files (extracted in the background), kept here for the search index.
    attachment_text = models.TextField(blank=True)
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="records"
    )
    case_file = models.ForeignKey(
        CaseFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("case file"),
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("creating unit"),
    )
    document_date = models.DateField(_("date of the document"))
    medium = models.CharField(
        _("medium"), max_length=10, choices=Medium.choices, default=Medium.DIGITAL
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    building = models.CharField(_("building"), max_length=120, blank=True)
    room = models.CharField(_("room"), max_length=60, blank=True)
    shelf = models.CharField(_("shelf"), max_length=30, blank=True)
    box = models.CharField(_("box"), max_length=30, blank=True)
    folder = models.CharField(_("folder"), max_length=30, blank=True)
    security = models.CharField(
        _("security"), max_length=16, choices=SecurityLevel.choices, default=SecurityLevel.BIASA
    )
    is_vital = models.BooleanField(_("vital record"), default=False)
    state = FSMField(
        _("state"), default=RecordState.ACTIVE, choices=RecordState.choices, protected=True
    )
    fate = models.CharField(_("final fate"), max_length=12, choices=Fate.choices)
    active_until = models.DateField(_("active until"))
    inactive_until = models.DateField(_("inactive until"))
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_url = models.CharField(max_length=300, blank=True)
    thread_key = models.CharField(max_length=60, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed"))
    closed_at = models.DateTimeField(_("state since"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        ordering = ["-document_date", "-id"]
        indexes = [
            models.Index(fields=["tenant", "state", "active_until"], name="record_sweep_active"),
            models.Index(fields=["tenant", "state", "inactive_until"], name="record_sweep_end"),
            models.Index(
                fields=["tenant", "classification", "-document_date"], name="record_by_class"
            ),
            models.Index(fields=["tenant", "unit", "-document_date"], name="record_by_unit"),
            models.Index(fields=["tenant", "number"], name="record_number"),
            # The list's and the word-less search's order: newest documents first.
            models.Index(fields=["tenant", "-document_date", "-id"], name="record_by_date"),
            models.Index(fields=["source_type", "source_id"], name="record_source"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_type", "source_id"],
                condition=Q(source_id__isnull=False),
                name="record_one_per_source",
            ),
            models.CheckConstraint(
                condition=Q(inactive_until__gte=F("active_until")), name="record_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def is_confidential(self) -> bool:
        return self.security in SecurityLevel.confidential()

    @property
    def location(self) -> str:
        parts = [self.building, self.room, self.shelf, self.box, self.folder]
        return " / ".join(p for p in parts if p)

    # --- conditions (pure) ---
    def is_active_period_over(self, today: dt.date) -> bool:
        return self.active_until <= today

    def is_inactive_period_over(self, today: dt.date) -> bool:
        return self.inactive_until <= today

    # --- transitions (they only change fields) ---
    @transition(field=state, source=RecordState.ACTIVE, target=RecordState.INACTIVE)
    def deactivate(self, *, at) -> None:
        self.closed_at = at

    @transition(field=state, source=RecordState.INACTIVE, target=RecordState.INACTIVE)
    def extend(self, *, years: int) -> None:
        """A review decided to keep the record `years` more (from today's end date)."""
        self.inactive_until = add_years(self.inactive_until, years)

    @transition(field=state, source=RecordState.INACTIVE, target=RecordState.DESTROYED)
    def destroy(self, *, at) -> None:
        self.closed_at = at
        self.body = ""
        self.attachment_text = ""

    @transition(field=state, source=RecordState.INACTIVE, target=RecordState.PERMANENT)
    def make_permanent(self, *, at) -> None:
        self.closed_at = at


class RecordFile(models.Model):
    """A file of a record, with its hash and extracted text. Destroying the record deletes the
    file and keeps this row (name, size, hash) as part of the tombstone."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=FileKind.choices, default=FileKind.ATTACHMENT)
    file = models.FileField(upload_to="archive/%Y/%m/", blank=True)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    text_state = models.CharField(
        max_length=10, choices=TextState.choices, default=TextState.PENDING
    )
    text_error = models.CharField(max_length=300, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "id"]
        indexes = [models.Index(fields=["text_state"], name="recordfile_text_state")]

    def __str__(self) -> str:
        return self.name


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
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    executed_at = models.DateTimeField(_("executed"), null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The berita acara pemusnahan, itself filed as a permanent record.
    report = models.ForeignKey(
        Record, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("disposal proposal")
        verbose_name_plural = _("disposal proposals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="disposal_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{_('Disposal proposal')} {self.number}"

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
    def execute(self, *, at, by) -> None:
        self.executed_at = at
        self.executed_by = by

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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["proposal", "step"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "step"], name="disposal_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} #{self.step}"


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
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    report = models.ForeignKey(
        Record, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

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

    @transition(field=state, source=TransferState.DRAFT, target=TransferState.SENT)
    def send(self, *, at) -> None:
        self.sent_at = at

    @transition(field=state, source=TransferState.SENT, target=TransferState.RECEIVED)
    def receive(self, *, at, by) -> None:
        self.received_at = at
        self.received_by = by

    @transition(
        field=state,
        source=[TransferState.DRAFT, TransferState.SENT],
        target=TransferState.CANCELLED,
    )
    def cancel(self) -> None:
        pass


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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    lent_at = models.DateTimeField(_("lent"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

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
    def approve(self, *, at, by, note: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_note = at, by, note

    @transition(field=state, source=LoanState.REQUESTED, target=LoanState.REJECTED)
    def reject(self, *, at, by, note: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_note = at, by, note

    @transition(field=state, source=LoanState.APPROVED, target=LoanState.LENT)
    def lend(self, *, at, due: dt.date) -> None:
        self.lent_at, self.due_date = at, due

    @transition(field=state, source=LoanState.LENT, target=LoanState.RETURNED)
    def give_back(self, *, at, by) -> None:
        self.returned_at, self.received_by = at, by

    @transition(
        field=state, source=[LoanState.REQUESTED, LoanState.APPROVED], target=LoanState.CANCELLED
    )
    def cancel(self) -> None:
        pass


class SearchTerm(models.Model):
    """A word of a tenant's record titles and senders (PostgreSQL only): the vocabulary a
    misspelt search is corrected against ("Nasutiom" -> "nasution") before the words are
    looked up again. Filled by a database trigger on the record table (migration 0004);
    read only by `archive.search`, and never shown unless a record the user may open has it."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "term"], name="searchterm_once"),
        ]

    def __str__(self) -> str:
        return self.term
