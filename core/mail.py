import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("core.mail")


class DisabledEmailBackend(BaseEmailBackend):
    """E-mail is switched off in this deployment (no NASKAH_EMAIL_URL): log and drop.

    Features that would mail (digests, reminders) check NASKAH_EMAIL_ENABLED and say so in the
    page; this backend only catches a stray send so that it is visible in the log.
    """

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "e-mail is not configured; dropped %r to %s", message.subject, message.to
            )
        return 0
