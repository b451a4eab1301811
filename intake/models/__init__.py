from .mail import Mailbox, MailMessage
from .pending import PendingFile, PendingIncoming

__all__ = ["MailMessage", "Mailbox", "PendingFile", "PendingIncoming"]
