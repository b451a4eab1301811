from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.choices import SecurityLevel, Urgency

__all__ = ["SecurityLevel", "Urgency"]


class LetterState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved, to sign")
    SIGNED = "signed", _("Signed")
    SENT = "sent", _("Sent")
    RETRACTED = "retracted", _("Retracted")
    CANCELLED = "cancelled", _("Cancelled")
    REGISTERED = "registered", _("Registered (incoming)")


class DeliveryState(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    RETRACTED = "retracted", _("Retracted")


class DispositionState(models.TextChoices):
    PREPARED = "prepared", _("Prepared, awaiting the head")
    ISSUED = "issued", _("Issued")
    READ = "read", _("Read")
    DONE = "done", _("Reported")
    CANCELLED = "cancelled", _("Cancelled")


class RecipientKind(models.TextChoices):
    TO = "to", _("To")
    CC = "cc", _("Copy (tembusan)")


class RecipientScope(models.TextChoices):
    INTERNAL = "internal", _("Unit of this government")
    PLATFORM = "platform", _("Unit of another government on the platform")
    EXTERNAL = "external", _("Addressee off the platform")


class LetterScope(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")
    BOTH = "both", _("Internal or external")


class SignerRule(models.TextChoices):
    ANY_SIGNER = "any_signer", _("Any position that may sign")
    UNIT_HEAD = "unit_head", _("Head of any unit")
    OPD_HEAD = "opd_head", _("Head of an OPD or above")
    REGIONAL = "regional", _("Regional head or regional secretary")


class StepKind(models.TextChoices):
    REVIEW = "review", _("Review (paraf)")
    SIGN = "sign", _("Signature")


class StepState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SigningMode(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    PAPER = "paper", _("On paper (scan)")


class AttachmentKind(models.TextChoices):
    ATTACHMENT = "attachment", _("Attachment")
    SCAN = "scan", _("Scan")
    OCR = "ocr", _("Searchable copy (OCR)")


class ReservationState(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    BOUND = "bound", _("Bound to a letter")
    RELEASED = "released", _("Released (void)")
    USED = "used", _("Used by a registered letter")
