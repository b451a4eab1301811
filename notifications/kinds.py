"""Notification kinds: the typed `kind` of every stored and pushed notification."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    LETTER_REVIEW = "letter.review_requested", _("Letter to review")
    LETTER_RETURNED = "letter.returned", _("Letter returned")
    LETTER_TO_SIGN = "letter.sign_requested", _("Letter to sign")
    LETTER_SIGNED = "letter.signed", _("Letter signed")
    LETTER_SENT = "letter.sent", _("Letter sent")
    LETTER_RETRACTED = "letter.retracted", _("Letter retracted")
    DELIVERY_RECEIVED = "delivery.received", _("Letter delivered to my unit")
    DISPOSITION_RECEIVED = "disposition.created", _("Disposition to me")
    DISPOSITION_REPORTED = "disposition.reported", _("Disposition reported")
    DUE_SOON = "due.soon", _("Due soon")
    OVERDUE = "due.overdue", _("Overdue")
    EVENT_INVITATION = "event.invited", _("Event invitation")
    EVENT_CHANGED = "event.changed", _("Event changed")
    REMINDER = "event.reminder", _("Reminder")
    DIGEST = "digest.daily", _("Daily digest of pending and overdue work")


# Kinds a user may choose to receive by e-mail as well; the digest is e-mail only.
EMAIL_ONLY = {Kind.DIGEST}

# Kinds that go to a user's devices and chat unless they turn it off: what waits for them to
# act (new mail, dispositions, due dates, letters to review or sign, invitations).
PUSH_DEFAULT = {
    Kind.DELIVERY_RECEIVED,
    Kind.DISPOSITION_RECEIVED,
    Kind.DUE_SOON,
    Kind.OVERDUE,
    Kind.LETTER_REVIEW,
    Kind.LETTER_TO_SIGN,
    Kind.LETTER_RETURNED,
    Kind.EVENT_INVITATION,
    Kind.REMINDER,
}
