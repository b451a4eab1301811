"""The mail poller: takes each new message of a mailbox over IMAP (IMAPClient) and makes it a
pending incoming letter of the mailbox's unit, without ever losing one.

For every message in the folder, oldest first:

1. its size (RFC822.SIZE) is asked before anything else: a message over NASKAH_MAIL_MAX_MB is
   quarantined from its header alone, never downloaded;
2. the rest is fetched with BODY.PEEK[] (no \\Seen flag is set: a message whose poll dies is
   untouched) and parsed (intake/mime.py);
3. a Message-ID already registered is only moved to the processed folder (a poll that died
   between the commit and the move, or the same message sent twice);
4. otherwise the pending letter and the MailMessage row are written in one transaction
   (intake.services.mail_message_take), and only after the commit is the message moved, to
   the processed folder or to the quarantine folder. A delivery status notification (a
   bounce of a letter this platform e-mailed, intake/dsn.py) becomes no letter: it marks the
   letter's addressee undelivered, in the same transaction, and is moved as processed.

A crash before the commit leaves the message where it was, to be taken again; a crash after
it leaves a message whose Message-ID is known, to be moved only. One bad message never stops
the others; a server that cannot be reached is recorded on the mailbox (`last_error`).
Call it outside any transaction: the move must follow a real commit.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from imapclient import IMAPClient

from . import services
from .choices import MailSecurity, MailState
from .mime import headers_parse, message_parse
from .models import Mailbox

log = logging.getLogger(__name__)

# The errors of a server that is down, refuses us or breaks the connection: the poll ends
# and the mailbox says why.
SERVER_ERRORS = (imaplib.IMAP4.error, OSError, ValidationError)
# Two polls of one mailbox at once would fetch the same messages twice: the second leaves it
# to the first. A poll killed outright holds the mailbox this long at most.
LEASE_SECONDS = 15 * 60
TAKEN = "taken"  # a known message moved again
# What a message already taken became, when it is only to be moved again.
TAKEN_STATES = (MailState.REGISTERED, MailState.DUPLICATE, MailState.REPORT)


@dataclass
class PollResult:
    registered: int = 0
    duplicate: int = 0
    quarantined: int = 0
    report: int = 0  # bounces of letters e-mailed from this platform
    taken: int = 0
    failed: int = 0
    error: str = ""
    skipped: bool = False

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def mailbox_connect(mailbox: Mailbox) -> IMAPClient:
    """A logged-in client for the mailbox. Raises the SERVER_ERRORS."""
    mailbox.clean()  # never a password in clear to another machine, whoever saved the row
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.security == MailSecurity.SSL,
        ssl_context=context,
        timeout=settings.NASKAH_MAIL_TIMEOUT,
    )
    try:
        if mailbox.security == MailSecurity.STARTTLS:
            client.starttls(context)
        client.login(mailbox.username, mailbox.password())
    except BaseException:
        client.shutdown()
        raise
    return client


def message_move(client: IMAPClient, uid: int, folder: str) -> None:
    """Move one message (MOVE when the server has it, else COPY, \\Deleted and UID EXPUNGE
    of this message alone)."""
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.add_flags([uid], [b"\\Deleted"])
    if client.has_capability("UIDPLUS"):
        client.expunge([uid])
    else:
        client.expunge()


def _fetch_one(client: IMAPClient, uid: int, item: bytes) -> bytes | None:
    answer = client.fetch([uid], [item]).get(uid) or {}
    return answer.get(item.replace(b".PEEK", b""))


def _too_large(client: IMAPClient, mailbox: Mailbox, uid: int, size: int) -> str:
    header = _fetch_one(client, uid, b"BODY.PEEK[HEADER]") or b""
    parsed = headers_parse(header)
    state = services.mail_message_state(mailbox=mailbox, message_id=parsed.message_id)
    if state in TAKEN_STATES:
        message_move(client, uid, mailbox.processed_folder)
        return TAKEN
    reason = _(
        "The message is %(size).1f MB, more than the %(limit)d MB allowed; it was not downloaded."
    ) % {"size": size / (1024 * 1024), "limit": settings.NASKAH_MAIL_MAX_MB}
    services.mail_message_quarantine(
        mailbox=mailbox, uid=uid, size=size, parsed=parsed, reason=reason
    )
    message_move(client, uid, mailbox.quarantine_folder)
    return MailState.QUARANTINED


def message_take(client: IMAPClient, mailbox: Mailbox, uid: int, size: int) -> str:
    """Take one message of the selected folder; returns what became of it (a MailState, or
    TAKEN for a known message moved again). Raises what the server or the database raise."""
    if size > settings.NASKAH_MAIL_MAX_MB * 1024 * 1024:
        return _too_large(client, mailbox, uid, size)
    raw = _fetch_one(client, uid, b"BODY.PEEK[]")
    if raw is None:
        return TAKEN  # expunged by someone else since the listing
    parsed = message_parse(raw)
    state = services.mail_message_state(mailbox=mailbox, message_id=parsed.message_id)
    if state in TAKEN_STATES:
        message_move(client, uid, mailbox.processed_folder)
        return TAKEN
    row = services.mail_message_take(mailbox=mailbox, uid=uid, size=size, raw=raw, parsed=parsed)
    # Committed: only now may the message leave the folder.
    if row.state == MailState.QUARANTINED:
        message_move(client, uid, mailbox.quarantine_folder)
    else:
        message_move(client, uid, mailbox.processed_folder)
    return row.state


def _folders_ensure(client: IMAPClient, mailbox: Mailbox) -> None:
    for folder in (mailbox.processed_folder, mailbox.quarantine_folder):
        if not client.folder_exists(folder):
            client.create_folder(folder)


def _poll(client: IMAPClient, mailbox: Mailbox, result: PollResult) -> None:
    _folders_ensure(client, mailbox)
    client.select_folder(mailbox.folder)
    uids = sorted(client.search(["NOT", "DELETED"]))[: settings.NASKAH_MAIL_BATCH]
    sizes = client.fetch(uids, [b"RFC822.SIZE"]) if uids else {}
    for uid in uids:
        size = (sizes.get(uid) or {}).get(b"RFC822.SIZE")
        if size is None:
            continue  # gone since the search
        try:
            result.count(message_take(client, mailbox, uid, size))
        except (imaplib.IMAP4.abort, OSError):
            raise  # the connection is gone: the next poll takes the rest
        except Exception as exc:
            # One message that cannot be taken (a database error, a server refusing the
            # move) is left where it is and retried next poll; the others go on.
            log.exception("Mailbox %s: message UID %s could not be taken", mailbox.pk, uid)
            result.failed += 1
            result.error = f"UID {uid}: {type(exc).__name__}: {exc}"


def mailbox_poll(mailbox: Mailbox) -> PollResult:
    """Take the mailbox's new messages (see the module's docstring). Raises nothing for the
    server or a message: what went wrong is returned and kept in `mailbox.last_error`. A
    mailbox another poll is taking is left to it (`skipped`)."""
    result = PollResult()
    if not services.mailbox_lease(mailbox=mailbox, seconds=LEASE_SECONDS):
        result.skipped = True
        return result
    try:
        with mailbox_connect(mailbox) as client:
            _poll(client, mailbox, result)
    except SERVER_ERRORS as exc:
        log.warning("Mailbox %s (%s) could not be polled: %s", mailbox.pk, mailbox, exc)
        result.error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        result.error = result.error or type(exc).__name__
    except BaseException as exc:
        result.error = _("The poll was interrupted (%(why)s).") % {"why": type(exc).__name__}
        raise
    finally:
        # Also after a crash: the lease goes back with the stamp (a process killed outright
        # leaves it to run out).
        services.mailbox_polled(mailbox=mailbox, error=result.error)
    return result


def mailboxes_poll() -> dict[str, PollResult]:
    """Poll every enabled mailbox of every tenant, one after another; returns each one's
    result by its `tenant-slug/code`. One mailbox failing never stops the others."""
    results = {}
    for mailbox in Mailbox.objects.filter(enabled=True).select_related("tenant", "unit"):
        name = f"{mailbox.tenant.slug}/{mailbox.code}"
        try:
            results[name] = mailbox_poll(mailbox)
        except Exception as exc:  # the database, say: the next mailbox may still go well
            log.exception("Mailbox %s could not be polled", name)
            results[name] = PollResult(error=f"{type(exc).__name__}: {exc}")
    return results
