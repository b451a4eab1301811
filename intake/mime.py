"""Reading an e-mailed letter with the standard library's `email` package: its Message-ID,
sender and subject, its attachments, and whether its MIME structure can be trusted.

Pure functions over bytes: no database, no network (intake/mail.py fetches, the services
write).
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from email import errors
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

from django.utils.translation import gettext as _

from .dsn import DeliveryReport, report_of

# Defects after which the parts cannot be told apart or a part's bytes are not what was
# sent: the attachments of such a message are not read (the message is quarantined).
FATAL_DEFECTS = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.MissingHeaderBodySeparatorDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
)
ID_MAX = 255


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    sender: str = ""
    subject: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    problem: str = ""  # why the attachments cannot be read; empty when they can
    report: DeliveryReport | None = None  # a bounce of a message we sent (intake/dsn.py)


def _header(msg: EmailMessage, name: str) -> str:
    # A header the parser cannot make sense of is shown empty rather than stopping the intake.
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - any parser failure on a hostile header
        return ""
    return " ".join(str(value or "").split())


def message_id_of(msg: EmailMessage, raw: bytes) -> str:
    """The message's Message-ID; a sha256 of the raw bytes when it has none, and a sha256 of
    the ID when it is too long to keep."""
    found = _header(msg, "Message-ID")
    if not found:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(found) > ID_MAX:
        return "sha256:" + hashlib.sha256(found.encode()).hexdigest()
    return found


def _fatal_defects(msg: EmailMessage) -> list[str]:
    found = []
    for part in msg.walk():
        found += [type(d).__name__ for d in part.defects if isinstance(d, FATAL_DEFECTS)]
    return sorted(set(found))


def _is_attachment(part: EmailMessage) -> bool:
    if part.is_multipart() or (part.get_content_maintype() == "text" and not part.get_filename()):
        return False
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        return True
    # An inline picture with a Content-ID is part of an HTML body (a logo, a signature).
    if disposition == "inline" and part.get("Content-ID"):
        return False
    return bool(part.get_filename()) or part.get_content_maintype() in ("application", "image")


def _name(part: EmailMessage, number: int) -> str:
    name = part.get_filename() or ""
    if not name:
        ext = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"lampiran-{number}{ext}"
    return name


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found = []
    for part in msg.walk():
        if not _is_attachment(part):
            continue
        data = part.get_payload(decode=True) or b""
        found.append(Attachment(_name(part, len(found) + 1), part.get_content_type(), data))
    return found


def message_parse(raw: bytes) -> ParsedMail:
    """Read a whole message: its ids, its attachments (decoded), or the problem that keeps
    them from being read."""
    try:
        msg = BytesParser(policy=default).parsebytes(raw)
        parsed = ParsedMail(
            message_id=message_id_of(msg, raw),
            sender=_header(msg, "From")[:255],
            subject=_header(msg, "Subject")[:255],
        )
        parsed.report = report_of(msg)
        attachments = _attachments(msg)  # decoding registers the base64 defects
        defects = _fatal_defects(msg)
    except Exception as exc:  # noqa: BLE001 - a hostile structure (parts nested thousands
        # deep: RecursionError) must not stop the intake, nor keep the message in the folder
        return ParsedMail(
            message_id="sha256:" + hashlib.sha256(raw).hexdigest(),
            problem=_("The message's MIME structure cannot be read (%(why)s).")
            % {"why": type(exc).__name__},
        )
    if defects:
        parsed.problem = _("The message's MIME structure is damaged (%(defects)s).") % {
            "defects": ", ".join(defects)
        }
    else:
        parsed.attachments = attachments
    return parsed


def headers_parse(header: bytes) -> ParsedMail:
    """Read only a message's header (for a message too large to download)."""
    try:
        msg = BytesParser(policy=default).parsebytes(header, headersonly=True)
    except Exception:  # noqa: BLE001 - as in message_parse
        return ParsedMail(message_id="sha256:" + hashlib.sha256(header).hexdigest())
    return ParsedMail(
        message_id=message_id_of(msg, header),
        sender=_header(msg, "From")[:255],
        subject=_header(msg, "Subject")[:255],
    )
