"""Correspondence's signals, heard inside the transaction that sent, read or closed: the
envelopes and receipts written here commit or roll back with that change."""

from django.dispatch import receiver

from correspondence import signals

from .choices import ReceiptKind
from .services import envelopes_for_sent, receipt_issue


@receiver(signals.letter_sent, dispatch_uid="federation-envelopes")
def _sent(sender, letter, by, **kwargs):
    envelopes_for_sent(letter, by)


@receiver(signals.delivery_read, dispatch_uid="federation-read-receipt")
def _read(sender, delivery, by, **kwargs):
    receipt_issue(delivery.pk, ReceiptKind.READ)


@receiver(signals.delivery_finished, dispatch_uid="federation-done-receipt")
def _done(sender, delivery, by, **kwargs):
    receipt_issue(delivery.pk, ReceiptKind.DONE)
