"""E-mail intake's writes: a message taken from a mailbox becomes a pending incoming letter of
the mailbox's unit (the e-mail kept as a record file), or is recorded as a duplicate or as
quarantined with the reason. Each is one transaction; the IMAP side (intake/mail.py) moves the
message only after it commits."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from core.uploads import ALLOWED
from correspondence import services as correspondence
from organizations.models import Tenant, Unit

from ..choices import IntakeSource, MailState
from ..dsn import DeliveryReport
from ..mime import ParsedMail
from ..models import Mailbox, MailMessage, PendingFile
from .pending import pending_create

# Which accepted attachment becomes the letter itself: a PDF, else a picture, else an
# office file.
MAIN_ORDER = {"pdf": 0, "image": 1, "office": 2}


def mail_message_state(*, mailbox: Mailbox, message_id: str) -> str | None:
    """What became of a message already taken from the mailbox (None: never taken)."""
    return (
        MailMessage.objects.filter(mailbox=mailbox, message_id=message_id)
        .values_list("state", flat=True)
        .first()
    )


def _uploads(parsed: ParsedMail) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The attachments of an accepted type, the letter first, and what was left out (another
    type, or empty) and why. Only the extension is looked at here: `pending_create` inspects
    each file once, and any other refusal (a zip bomb, a damaged or oversized file, content
    that is not what its extension says) quarantines the whole message."""
    accepted, left_out = [], []
    for att in parsed.attachments:
        name = PurePath(att.name.replace("\\", "/")).name
        ext = PurePath(name).suffix.lower().lstrip(".")
        if ext not in ALLOWED:
            left_out.append(
                _("%(name)s: files of type .%(ext)s are not accepted (allowed: %(allowed)s).")
                % {"name": name, "ext": ext or "?", "allowed": ", ".join(sorted(ALLOWED))}
            )
        elif not att.data:
            left_out.append(_("%(name)s is empty.") % {"name": name})
        else:
            upload = SimpleUploadedFile(att.name, att.data, att.content_type)
            accepted.append((MAIN_ORDER[ALLOWED[ext][0]], upload))
    accepted.sort(key=lambda pair: pair[0])  # stable: the first PDF leads
    return [upload for _order, upload in accepted], left_out


def _eml_name(parsed: ParsedMail) -> str:
    stem = get_valid_filename(parsed.subject[:80]) if parsed.subject else ""
    return f"{stem or 'email'}.eml"


def _pending_from(mailbox: Mailbox, raw: bytes, parsed: ParsedMail):
    """The pending letter an e-mail makes. Raises ValidationError (why it is quarantined)."""
    if parsed.problem:
        raise ValidationError(parsed.problem)
    if not parsed.attachments:
        raise ValidationError(_("The message has no attachment: there is no letter to read."))
    accepted, left_out = _uploads(parsed)
    if not accepted:
        raise ValidationError(
            _("No attachment is of an accepted type: %(why)s") % {"why": " ".join(left_out)}
        )
    main, *others = accepted
    eml = SimpleUploadedFile(_eml_name(parsed), raw, "message/rfc822")
    note = _("E-mail from %(sender)s: %(subject)s") % {
        "sender": parsed.sender or "?",
        "subject": parsed.subject or "-",
    }
    if left_out:
        note += " " + _("Left out: %(why)s") % {"why": " ".join(left_out)}
    return pending_create(
        unit=mailbox.unit,
        upload=main,
        source=IntakeSource.EMAIL,
        extra=[(u, PendingFile.Kind.ATTACHMENT) for u in others]
        + [(eml, PendingFile.Kind.MESSAGE)],
        note=note,
        allowed=None,
    )


def _report_apply(mailbox: Mailbox, report: DeliveryReport) -> str:
    """A bounce: the addressee of the letter e-mailed with the returned Message-ID, in the
    mailbox's tenant, is marked undelivered with the report's status and diagnostic. Returns
    what became of it, for the message's row."""
    failed = report.failed
    if not failed:
        actions = ", ".join(sorted({r.action or "?" for r in report.recipients})) or "?"
        return _("Delivery report (%(actions)s): nothing to mark.") % {"actions": actions}
    why = "; ".join(
        " ".join(part for part in (r.status, r.diagnostic) if part) or _("no reason given")
        for r in failed
    )
    reason = _("Bounced by %(mta)s: %(why)s") % {"mta": report.reporting_mta or "?", "why": why}
    recipient = correspondence.recipient_mark_undelivered(
        tenant_id=mailbox.tenant_id, message_id=report.message_id, reason=reason
    )
    if recipient is None:
        return _("Bounce of a message no letter was e-mailed with (%(id)s): %(why)s") % {
            "id": report.message_id or "?",
            "why": why,
        }
    return _("Letter %(number)s to %(addressee)s not delivered: %(why)s") % {
        "number": recipient.letter.number,
        "addressee": recipient,
        "why": why,
    }


def _row(mailbox: Mailbox, uid: int, size: int, parsed: ParsedMail) -> MailMessage:
    # A message quarantined before and put back into the folder by an operator is taken
    # again: its row is updated, not added.
    row = (
        MailMessage.objects.select_for_update()
        .filter(mailbox=mailbox, message_id=parsed.message_id)
        .first()
    )
    if row is not None and row.state != MailState.QUARANTINED:
        return row
    row = row or MailMessage(mailbox=mailbox, message_id=parsed.message_id)
    row.uid, row.size = uid, size
    row.sender, row.subject = parsed.sender[:255], parsed.subject[:255]
    row.pending, row.reason = None, ""
    return row


@transaction.atomic
def mail_message_take(
    *, mailbox: Mailbox, uid: int, size: int, raw: bytes, parsed: ParsedMail
) -> MailMessage:
    """Register an e-mailed letter as a pending incoming letter of the mailbox's unit (the
    .eml kept as a record file), or record it as a duplicate of the letter another mailbox of
    the unit already brought, or as quarantined with the reason; a bounce of a letter this
    platform e-mailed marks its addressee undelivered instead. Raises IntegrityError when
    another poll recorded the same message first."""
    row = _row(mailbox, uid, size, parsed)
    if row.pk and row.state != MailState.QUARANTINED:
        return row  # taken by another poll meanwhile: nothing to add
    if parsed.report is not None:
        row.state, row.reason = MailState.REPORT, _report_apply(mailbox, parsed.report)[:500]
        row.save()
        return row
    twin = (
        MailMessage.objects.filter(
            message_id=parsed.message_id,
            mailbox__unit_id=mailbox.unit_id,
            state=MailState.REGISTERED,
        )
        .exclude(mailbox=mailbox)
        .first()
    )
    if twin is not None:
        row.state, row.pending_id = MailState.DUPLICATE, twin.pending_id
        row.reason = _("Already received through mailbox %(code)s.") % {"code": twin.mailbox.code}
    else:
        try:
            row.pending = _pending_from(mailbox, raw, parsed)
            row.state = MailState.REGISTERED
        except ValidationError as exc:
            row.state, row.reason = MailState.QUARANTINED, " ".join(exc.messages)[:500]
    row.save()
    return row


@transaction.atomic
def mail_message_quarantine(
    *, mailbox: Mailbox, uid: int, size: int, parsed: ParsedMail, reason: str
) -> MailMessage:
    """Record a message as quarantined without reading it (one too large to download)."""
    row = _row(mailbox, uid, size, parsed)
    if row.pk and row.state != MailState.QUARANTINED:
        return row  # taken by another poll meanwhile
    row.state, row.reason = MailState.QUARANTINED, reason[:500]
    row.save()
    return row


def mailbox_lease(*, mailbox: Mailbox, seconds: int) -> bool:
    """Take the mailbox for one poll: False when another poll holds it. Committed at once
    (call it outside a transaction) so that every other process sees it."""
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_lease_until=now + dt.timedelta(seconds=seconds))
    )


def mailbox_polled(*, mailbox: Mailbox, error: str = "") -> None:
    """Stamp a mailbox's poll and its error (empty when it went well), and give the lease
    back."""
    mailbox.last_polled_at, mailbox.last_error = timezone.now(), error[:500]
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=mailbox.last_polled_at, last_error=mailbox.last_error, poll_lease_until=None
    )


@transaction.atomic
def mailbox_set(*, tenant: Tenant, code: str, unit: Unit, **fields) -> Mailbox:
    """Create or change a tenant's mailbox (the tenant file's `mailboxes` section). Raises
    ValidationError (plain IMAP to another machine, a bad variable name, equal folders)."""
    if unit.tenant_id != tenant.pk:
        raise ValidationError({"unit": _("The unit belongs to another tenant.")})
    box = Mailbox.objects.filter(tenant=tenant, code=code).first() or Mailbox(
        tenant=tenant, code=code
    )
    box.unit = unit
    for name, value in fields.items():
        setattr(box, name, value)
    box.full_clean()
    box.save()
    return box
