"""What can be queued on a device, and what became of it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionKind(models.TextChoices):
    DELIVERY_READ = "delivery.read", _("Mark read")
    DISPOSITION = "delivery.disposition", _("Disposition")
    REPORT = "disposition.report", _("Report on a disposition")
    APPROVE = "review.approve", _("Paraf (approve)")
    RETURN = "review.return", _("Return to the drafter")
    DRAFT_SAVE = "draft.save", _("Draft saved")


# Asked for, never queued: a signature needs the signer's key provider, online.
NEVER_QUEUED = frozenset({"letter.sign", "sign", "review.sign"})


class ActionStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Already done")
    CONFLICT = "conflict", _("Conflict")
    REFUSED = "refused", _("Refused")
