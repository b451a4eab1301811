"""A pending incoming letter: a scan (uploaded or e-mailed) waiting for the clerk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import IntakeSource, IntakeState, OcrState


class PendingIncoming(models.Model):
    """A scan that entered a unit's registry and waits for the clerk to confirm its fields.

    The original file is kept untouched (its sha256 recorded); OCR writes a searchable PDF/A
    beside it and the text it read. `fields_read` holds what was read from the letter, each
    field as {"value": …, "confidence": 0–1}; `corrections` what the clerk changed on
    registration ({field: {"read": …, "final": …}}), kept to measure accuracy.
    """

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=IntakeSource.choices)
    state = models.CharField(
        max_length=12, choices=IntakeState.choices, default=IntakeState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="intake/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    ocr_state = models.CharField(max_length=8, choices=OcrState.choices, default=OcrState.QUEUED)
    ocr_done = models.PositiveSmallIntegerField(default=0)
    ocr_total = models.PositiveSmallIntegerField(default=0)
    ocr_error = models.CharField(max_length=300, blank=True)
    ocr_pdf = models.FileField(upload_to="intake/ocr/%Y/%m/", blank=True)
    ocr_pdfa = models.BooleanField(default=False)
    ocr_seconds = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    fields_read = models.JSONField(default=dict, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    corrections = models.JSONField(default=dict, blank=True)
    letter = models.ForeignKey(
        "correspondence.Letter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "state"], name="intake_unit_state")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def ocr_percent(self) -> int:
        if self.ocr_state in (OcrState.DONE, OcrState.SKIPPED):
            return 100
        return int(100 * self.ocr_done / self.ocr_total) if self.ocr_total else 0


class PendingFile(models.Model):
    """Another file of a pending incoming letter: an e-mail's further attachments, or the
    e-mail message itself (kept as a record file)."""

    class Kind(models.TextChoices):
        ATTACHMENT = "attachment", _("Attachment")
        MESSAGE = "message", _("E-mail message")

    pending = models.ForeignKey(PendingIncoming, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ATTACHMENT)
    file = models.FileField(upload_to="intake/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["pending", "id"]

    def __str__(self) -> str:
        return self.original_name
