from django.db import models
from django.utils.translation import gettext_lazy as _


class Fate(models.TextChoices):
    """What the retention schedule (JRA) says happens when the inactive period ends."""

    DESTROY = "destroy", _("Destroy (musnah)")
    PERMANENT = "permanent", _("Permanent (permanen)")
    REVIEW = "review", _("Review (dinilai kembali)")


class RecordState(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DESTROYED = "destroyed", _("Destroyed")
    PERMANENT = "permanent", _("Permanent (static archive)")

    @classmethod
    def held(cls) -> list[str]:
        """States in which the record's files are still kept by the tenant."""
        return [cls.ACTIVE, cls.INACTIVE]


class Medium(models.TextChoices):
    DIGITAL = "digital", _("Digital")
    PAPER = "paper", _("Paper")
    BOTH = "both", _("Digital and paper")


class FileKind(models.TextChoices):
    MAIN = "main", _("Main document")
    ATTACHMENT = "attachment", _("Attachment")
    AUDIT = "audit", _("Audit trail")
    DISPOSITION = "disposition", _("Disposition sheet")
    SCAN = "scan", _("Scan")
    MINUTES = "minutes", _("Minutes")


class TextState(models.TextChoices):
    PENDING = "pending", _("Waiting for text extraction")
    DONE = "done", _("Text extracted")
    FAILED = "failed", _("Text extraction failed")
    SKIPPED = "skipped", _("No text to extract")


class TextSource(models.TextChoices):
    """Where a file's text came from."""

    TEXT = "text", _("Its own text")  # a PDF's text layer, a plain-text file
    OCR = "ocr", _("Read by OCR")  # a scan: the text of the searchable copy
    OFFICE = "office", _("Office document")  # DOCX, XLSX, OpenDocument


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Executed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TransferKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer of inactive records (pemindahan)")
    HANDOVER = "handover", _("Handover to the static archive (penyerahan)")


class TransferState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class LoanState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    LENT = "lent", _("Lent")
    RETURNED = "returned", _("Returned")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def open(cls) -> list[str]:
        return [cls.REQUESTED, cls.APPROVED, cls.LENT]
