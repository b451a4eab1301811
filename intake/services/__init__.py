"""The intake's use cases (the only writers of its models)."""

from .mail import (
    mail_message_quarantine,
    mail_message_state,
    mail_message_take,
    mailbox_lease,
    mailbox_polled,
    mailbox_set,
)
from .pending import pending_create, pending_discard, pending_register
from .reading import pending_read

__all__ = [
    "mail_message_quarantine",
    "mail_message_state",
    "mail_message_take",
    "mailbox_lease",
    "mailbox_polled",
    "mailbox_set",
    "pending_create",
    "pending_discard",
    "pending_read",
    "pending_register",
]
