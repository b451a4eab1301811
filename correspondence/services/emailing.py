"""Letters e-mailed to addressees off the platform, and what became of each e-mail.

When a letter is sent, each external addressee whose address-book entry has an e-mail gets a
Message-ID and a task, both written in the sending transaction (an outbox: with the database
task backend the task row commits with the letter or not at all). The task sends the signed
PDF over SMTP (correspondence.mailout builds the message) and records the outcome on the
recipient and in the letter's log:

- accepted by the SMTP server: `emailed_at`, action `letter.emailed`;
- a temporary failure (a 4xx answer, a refused or dropped connection, a timeout): tried again
  by a new task after NASKAH_EMAIL_RETRY_SECONDS, doubling up to an hour, until
  NASKAH_EMAIL_ATTEMPTS attempts in all; then undelivered;
- a permanent failure (a 5xx answer for the addressee or the message): `undelivered_at` and
  the server's reason, action `letter.undelivered`;
- a bounce that comes back later (a delivery status notification read by the intake's
  mailbox poller): undelivered the same way, matched by the Message-ID.

Exactly once as far as a database and an SMTP server allow: the task holds the recipient's row
lock from before it connects until the outcome is committed, so two runs of one task (a
worker taken for dead, a retry racing the first) never send at once: the second waits for the
lock, finds `emailed_at` (or `undelivered_at`) set and sends nothing. The one window left is a worker that dies
after the server said 250 and before the commit: the next run sends again, with the same
Message-ID (mail clients and archives fold the two into one). We chose that over the reverse
(record "sending" first, never send twice, and lose the letter when the worker dies after the
record) because an official letter that never arrives is the worse failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.tasks import task_backends
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue_with_transaction
from workflows.transitions import row_lock

from ..choices import RecipientScope
from ..mailout import message_build, message_id_new
from ..models import Letter, Recipient
from .common import transition_record

log = logging.getLogger(__name__)

RETRY_MAX_SECONDS = 3600


@dataclass(frozen=True)
class SmtpFailure:
    permanent: bool
    reason: str


def _text(value) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def _by_code(code: int, text) -> SmtpFailure:
    return SmtpFailure(permanent=500 <= code < 600, reason=f"{code} {_text(text)}".strip())


def smtp_failure(exc: BaseException) -> SmtpFailure | None:
    """What an exception of the SMTP backend means for the addressee (None: not a sending
    failure, let it raise)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (451, b""))
        return _by_code(code, text)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        # The server refuses this platform, not the addressee (a wrong sender address or
        # password): tried again while an operator puts the configuration right.
        return SmtpFailure(permanent=False, reason=f"{exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPException | OSError):  # dropped, refused, timed out
        return SmtpFailure(permanent=False, reason=_text(exc) or type(exc).__name__)
    if isinstance(exc, ValueError):  # an address the backend cannot write
        return SmtpFailure(permanent=True, reason=_text(exc))
    return None


def retry_delay(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: the base, doubled per attempt, an hour at most."""
    return min(settings.NASKAH_EMAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


def _enqueue(recipient_id: int, *, delay: float = 0) -> None:
    # Imported here: tasks imports services (tasks → services → emailing → tasks).
    from .. import tasks

    job = tasks.recipient_email
    # A backend that cannot defer (the immediate one) tries again at once; the attempts
    # still end. Production's database backend waits until `run_after`.
    if delay and task_backends[job.backend].supports_defer:
        job = job.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    enqueue_with_transaction(job, recipient_id)


def recipients_email_queue(letter: Letter) -> list[Recipient]:
    """Inside the sending transaction: give each external addressee with an e-mail its
    Message-ID and queue its e-mail (nothing when e-mail is off or the letter has no PDF:
    the clerk dispatches by hand)."""
    if not settings.NASKAH_EMAIL_ENABLED or not letter.pdf:
        return []
    rows = list(
        letter.recipients.filter(
            scope=RecipientScope.EXTERNAL, address__email__gt="", emailed_at__isnull=True
        ).order_by("pk")
    )
    for r in rows:
        r.email_message_id = r.email_message_id or message_id_new(letter.tenant)
    Recipient.objects.bulk_update(rows, ["email_message_id"])
    for r in rows:
        _enqueue(r.pk)
    return rows


def _log(recipient: Recipient, action: str, note: str) -> None:
    letter = row_lock(recipient.letter)
    transition_record(letter, letter.state, action=action, by=None, note=note, save=False)


def _undelivered(recipient: Recipient, reason: str) -> None:
    recipient.undelivered_at = timezone.now()
    recipient.undelivered_reason = reason[:500]
    recipient.save(
        update_fields=["undelivered_at", "undelivered_reason", "email_attempts", "email_error"]
    )
    _log(recipient, "letter.undelivered", f"{recipient} <{recipient.address.email}>: {reason}")


def _failed(recipient: Recipient, failure: SmtpFailure) -> str:
    """Record a failed attempt: undelivered when permanent or the last, else queued again."""
    recipient.email_attempts += 1
    recipient.email_error = failure.reason[:500]
    if failure.permanent:
        _undelivered(recipient, failure.reason)
        return "undelivered"
    if recipient.email_attempts >= settings.NASKAH_EMAIL_ATTEMPTS:
        why = _("No answer but temporary failures after %(n)d attempts; the last: %(why)s") % {
            "n": recipient.email_attempts,
            "why": failure.reason,
        }
        _undelivered(recipient, why)
        return "undelivered"
    recipient.save(update_fields=["email_attempts", "email_error"])
    delay = retry_delay(recipient.email_attempts)
    log.warning(
        "e-mail of letter %s to recipient %s failed (%s); again in %d s",
        recipient.letter_id,
        recipient.pk,
        failure.reason,
        delay,
    )
    _enqueue(recipient.pk, delay=delay)
    return "retry"


@transaction.atomic
def recipient_email(*, recipient_id: int) -> str:
    """Send one addressee its letter by e-mail, once (see the module's docstring); returns
    "sent", "retry", "undelivered", "done" (nothing left to do) or "retracted". Raises what is not a sending failure (the database, a missing file)."""
    # A second run of this task waits here for the first to commit (then finds it done); a
    # clerk marking the addressee dispatched holds the row only for a moment.
    recipient = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("letter__tenant", "letter__unit", "address")
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None:
        return "done"  # gone
    if recipient.emailed_at or recipient.undelivered_at or not recipient.email_message_id:
        return "done"
    if recipient.letter.retracted_at is not None:
        return "retracted"  # withdrawn before its e-mail went: it does not go
    with recipient.letter.pdf.open("rb") as fh:
        pdf = fh.read()
    outgoing = message_build(recipient, pdf)
    try:
        sent = mailers.default.send_messages([outgoing.message])
    except Exception as exc:
        failure = smtp_failure(exc)
        if failure is None:
            raise
        return _failed(recipient, failure)
    if not sent:  # a backend that drops mail (e-mail switched off since the letter was sent)
        return _failed(
            recipient, SmtpFailure(permanent=False, reason=_("E-mail is not configured."))
        )
    recipient.email_attempts += 1
    recipient.emailed_at, recipient.email_error = timezone.now(), ""
    recipient.save(update_fields=["emailed_at", "email_attempts", "email_error"])
    note = f"{recipient} <{recipient.address.email}>"
    if outgoing.left_out:
        note += " " + _("(left out for size: %(names)s)") % {"names": ", ".join(outgoing.left_out)}
    _log(recipient, "letter.emailed", note)
    return "sent"


@transaction.atomic
def recipient_mark_undelivered(*, tenant_id: int, message_id: str, reason: str) -> Recipient | None:
    """A bounce came back for the e-mail `message_id` of a letter of the tenant: mark its
    addressee undelivered with the reason (once). Returns the recipient, None when no e-mail
    of the tenant's letters has that Message-ID."""
    recipient = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("address")
        .filter(email_message_id=message_id, letter__tenant_id=tenant_id)
        .exclude(email_message_id="")
        .first()
    )
    if recipient is not None and recipient.undelivered_at is None:
        _undelivered(recipient, reason)
    return recipient
