"""The e-mail that carries a signed letter to an addressee off the platform: from the tenant's
sender, the signed PDF attached byte for byte, and a link to the letter's public verification
page. Reads only; correspondence.services.emailing sends it and records what became of it.

A Rahasia letter's subject is never written in the e-mail (headers travel in clear and land in
mail logs and previews): the subject line and the text name only its number and its level.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.dates import date_long

from .choices import AttachmentKind
from .models import Attachment, Letter, Recipient
from .pdf.build import SECURITY_WORDS, verify_url


@dataclass(frozen=True)
class Outgoing:
    message: EmailMessage
    attached: list[str]  # the letter's attachments that went along
    left_out: list[str]  # those left out for size (they are inside the signed PDF)


def message_id_new(tenant) -> str:
    """A fresh, random Message-ID under the domain of the tenant's sender address (short:
    a header line of at most 78 characters is never folded)."""
    _name, address = parseaddr(tenant.mail_from)
    domain = address.rpartition("@")[2] or "localhost"
    return f"<naskah.{secrets.token_hex(12)}@{domain}>"


def pdf_name(letter: Letter) -> str:
    return f"{(letter.number or str(letter.pk)).replace('/', '-')}.pdf"


def _subject(letter: Letter) -> str:
    if letter.is_confidential:
        return _("Letter %(number)s (%(level)s)") % {
            "number": letter.number,
            "level": SECURITY_WORDS[letter.security],
        }
    return _("Letter %(number)s: %(subject)s") % {
        "number": letter.number,
        "subject": " ".join(letter.subject.split()),
    }


def _attachments_fitting(letter: Letter, room: int) -> tuple[list[Attachment], list[Attachment]]:
    """The letter's own attachments that fit in `room` bytes (in their order), and the rest."""
    fit, rest = [], []
    for att in letter.attachments.filter(kind=AttachmentKind.ATTACHMENT).order_by("pk"):
        if att.size <= room:
            fit.append(att)
            room -= att.size
        else:
            rest.append(att)
    return fit, rest


def _body(recipient: Recipient, letter: Letter, fit, rest) -> str:
    tenant = letter.tenant
    day = timezone.localtime(letter.signed_at or letter.sent_at, ZoneInfo(tenant.time_zone))
    facts = {
        "number": letter.number,
        "date": date_long(day.date()),
        "unit": letter.unit.name,
        "government": tenant.name,
        "level": SECURITY_WORDS[letter.security],
        "subject": " ".join(letter.subject.split()),
        "url": verify_url(letter),
        "app": tenant.app_name,
    }
    lines = [_("Dear %(name)s,") % {"name": str(recipient.address)}, ""]
    if letter.is_confidential:
        lines.append(
            _(
                "Attached is letter number %(number)s of %(date)s from %(unit)s, %(government)s. "
                "It is classified %(level)s: its subject is not written in this e-mail."
            )
            % facts
        )
    else:
        lines.append(
            _(
                "Attached is letter number %(number)s of %(date)s from %(unit)s, %(government)s, "
                "on: %(subject)s."
            )
            % facts
        )
    lines += [
        "",
        _(
            "The PDF is signed electronically. Whether it is authentic and unchanged can be "
            "checked on its verification page:"
        ),
        facts["url"],
    ]
    if fit:
        lines += ["", _("Attachments of the letter sent with it:")]
        lines += [f"- {a.original_name} ({filesizeformat(a.size)})" for a in fit]
    if rest:
        lines += ["", _("Left out for their size (the signed PDF contains them):")]
        lines += [f"- {a.original_name} ({filesizeformat(a.size)})" for a in rest]
    lines += ["", _("This e-mail was sent by %(app)s for %(government)s.") % facts]
    return "\n".join(lines) + "\n"


def message_build(recipient: Recipient, pdf: bytes) -> Outgoing:
    """The e-mail for one addressee off the platform, in the platform's language: the signed
    PDF (`pdf`, its bytes as stored) and the letter's attachments while the message stays
    under NASKAH_EMAIL_ATTACH_MB (the PDF itself always goes)."""
    letter = recipient.letter
    room = settings.NASKAH_EMAIL_ATTACH_MB * 1024 * 1024 - len(pdf)
    fit, rest = _attachments_fitting(letter, room)
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_subject(letter),
            body=_body(recipient, letter, fit, rest),
            from_email=letter.tenant.mail_from,
            to=[recipient.address.email],
            headers={
                "Message-ID": recipient.email_message_id,
                # Vacation replies and the like are not wanted back.
                "Auto-Submitted": "auto-generated",
            },
        )
    message.attach(pdf_name(letter), pdf, "application/pdf")
    for att in fit:
        with att.file.open("rb") as fh:
            message.attach(att.original_name, fh.read(), att.content_type)
    return Outgoing(message, [a.original_name for a in fit], [a.original_name for a in rest])
