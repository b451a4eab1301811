"""Records and their files. A record points at its source through a generic link (`source`):
the archive knows nothing of letters."""

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

from ..choices import Fate, FileKind, Medium, RecordState, TextSource, TextState
from ..querysets import RecordQuerySet
from .fileplan import CaseFile, Classification, add_years


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
    text_source = models.CharField(max_length=10, choices=TextSource.choices, blank=True)
    # The searchable PDF/A that OCR made of a scan; the original (`file`, `sha256`) is untouched.
    ocr_file = models.FileField(upload_to="archive/ocr/%Y/%m/", blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "id"]
        indexes = [models.Index(fields=["text_state"], name="recordfile_text_state")]

    def __str__(self) -> str:
        return self.name
