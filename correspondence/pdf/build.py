"""From a letter to its official PDF: the data for the renderer, attachments appended,
metadata set; and the disposition sheet of a delivery."""

from __future__ import annotations

import io
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from core.dates import date_long, day_date_long
from organizations.choices import AssignmentKind, TimeZone
from organizations.models import Assignment, Unit

from .. import numbering
from ..choices import AttachmentKind, RecipientKind, StepKind
from . import render

log = logging.getLogger(__name__)

SIGNED_FOOTER = (
    "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik "
    "yang diterbitkan oleh {issuer}. Keaslian dokumen dapat diperiksa dengan memindai kode QR."
)


def verify_url(letter) -> str:
    return (
        f"{settings.NASKAH_PUBLIC_SCHEME}://{letter.tenant.primary_domain}/v/{letter.verify_token}"
    )


def _opd(unit):
    """The OPD a unit belongs to (its ancestor at depth 2), or the unit itself."""
    ancestors = [*Unit.objects.get_ancestors(unit), unit]
    return ancestors[1] if len(ancestors) > 1 else ancestors[0]


def _prefix(letter, user, position) -> str:
    """Plt./Plh./Pj. for an acting signer, "a.n." for one signing through a delegation."""
    kind = (
        Assignment.objects.current(timezone.localdate())
        .filter(user=user, position=position)
        .values_list("kind", flat=True)
        .first()
    )
    if kind in {AssignmentKind.PLT, AssignmentKind.PLH, AssignmentKind.PJ}:
        return {"plt": "Plt.", "plh": "Plh.", "pj": "Pj."}[kind]
    if kind is None:  # signing through a delegation: on behalf of the position
        return f"a.n. {position.title}"
    return ""


def signature_blocks(letter) -> list[render.SignatureBlock]:
    """One block per signature step of the current round, in order."""
    steps = (
        letter.steps.filter(round=letter.review_round, kind=StepKind.SIGN)
        .select_related("position", "acted_by")
        .order_by("order")
    )
    blocks = []
    for step in steps:
        user = step.acted_by or (
            letter.signed_by if step.position_id == letter.signed_as_id else None
        )
        if user is None:
            continue
        blocks.append(
            render.SignatureBlock(
                prefix=_prefix(letter, user, step.position),
                title=step.position.title,
                name=user.display_name,
                nip=user.nip,
            )
        )
    return blocks


def number_placeholder(letter) -> str:
    """The number a draft will get, its sequence left open: "…/000.1.2/DISKOMINFO/2026"."""
    today = timezone.localdate(timezone=ZoneInfo(letter.tenant.time_zone))
    register = letter.on_behalf_of or letter.signer_position
    unit = register.unit if register is not None else letter.unit
    return numbering.number_format(
        letter.letter_type.number_pattern or letter.tenant.number_pattern,
        seq="…",
        classification=letter.classification_code,
        unit_code=unit.code,
        type_code=letter.letter_type.code,
        on=today,
    )


def _holder(position):
    """Who holds a post today (definitive first), for a preview's signature block."""
    assignment = (
        Assignment.objects.current(timezone.localdate())
        .filter(position=position)
        .select_related("user")
        .order_by("kind", "start_date")
        .first()
    )
    return assignment.user if assignment else None


def planned_signature_blocks(letter) -> list[render.SignatureBlock]:
    """The signature blocks a draft will carry: its signature steps (or its signer), each with
    the official who signed or who holds the post today."""
    steps = list(
        letter.steps.filter(round=letter.review_round, kind=StepKind.SIGN)
        .select_related("position", "acted_by")
        .order_by("order")
    )
    posts = [(s.position, s.acted_by) for s in steps] or (
        [(letter.signer_position, None)] if letter.signer_position_id else []
    )
    blocks = []
    for position, acted_by in posts:
        user = acted_by or _holder(position)
        blocks.append(
            render.SignatureBlock(
                prefix=_prefix(letter, user, position) if user else "",
                title=position.title,
                name=user.display_name if user else "",
                nip=user.nip if user else "",
            )
        )
    return blocks


def letter_preview_pdf(letter) -> bytes:
    """The draft as it will print: the same code path as the signed letter, watermarked
    KONSEP, with the number's placeholder and the planned signers."""
    doc = letter_doc(letter, signer_blocks=planned_signature_blocks(letter), signed=False)
    doc.number = number_placeholder(letter)
    doc.draft = True
    return letter_pdf(letter, doc=doc)


def preview_filename(letter) -> str:
    """The name the preview is shown under (it has no number yet)."""
    return f"konsep-{letter.pk}.pdf"


def letter_doc(letter, *, signer_blocks=None, signed: bool = True) -> render.LetterDoc:
    """Everything the letter's PDF shows, read from the letter (`signer_blocks` for a
    preview; `signed=False` leaves the signed footer out)."""
    tz = ZoneInfo(letter.tenant.time_zone)
    when = timezone.localtime(letter.signed_at or timezone.now(), tz)
    unit = letter.signed_as.unit if letter.signed_as_id else letter.unit
    opd = _opd(unit)
    tenant = letter.tenant
    recipients = list(
        letter.recipients.select_related("unit", "position", "address").order_by("order", "pk")
    )
    to = [_addressee(r) for r in recipients if r.kind == RecipientKind.TO]
    cc = [_addressee(r) for r in recipients if r.kind == RecipientKind.CC]
    attachments = list(letter.attachments.filter(kind=AttachmentKind.ATTACHMENT).order_by("pk"))
    event = _event_block(letter, tz)
    logo = _logo(tenant)
    issuer = getattr(getattr(tenant, "signing_authority", None), "name", "") or "Naskah CA"
    return render.LetterDoc(
        type_code=letter.letter_type.code,
        type_name=letter.letter_type.name,
        letterhead=render.Letterhead(
            government=tenant.letterhead_government or tenant.name,
            unit=opd.name,
            address_lines=[
                tenant.letterhead_address,
                " · ".join(
                    x
                    for x in (
                        tenant.letterhead_phone,
                        tenant.letterhead_email,
                        tenant.letterhead_website,
                    )
                    if x
                ),
            ],
            logo=logo,
        ),
        number=letter.number or "",
        security=letter.get_security_display(),
        attachments_label=f"{len(attachments)} berkas" if attachments else "-",
        subject=letter.subject,
        place_date=f"{tenant.city}, {date_long(when.date())}",
        addressees=to or ["-"],
        body_html=letter.body,
        signatures=signer_blocks if signer_blocks is not None else signature_blocks(letter),
        cc=cc,
        from_label=letter.signed_as.title if letter.signed_as_id else "",
        event=event,
        attachment_names=[a.original_name for a in attachments],
        verify_url=verify_url(letter) if letter.verify_token else "",
        signed_footer=SIGNED_FOOTER.format(issuer=issuer) if signed else "",
        document_id=f"{tenant.slug}-{letter.pk}",
        tenant_name=tenant.name,
    )


def _event_block(letter, tz) -> render.EventBlock | None:
    """An invitation's day, time (with the zone's abbreviation) and place."""
    if not letter.event_start:
        return None
    start = timezone.localtime(letter.event_start, tz)
    end = timezone.localtime(letter.event_end, tz) if letter.event_end else None
    zone = TimeZone.abbreviation(letter.tenant.time_zone)
    until = f"{end:%H.%M}" if end else "selesai"
    return render.EventBlock(
        day_date=day_date_long(start.date()),
        time=f"{start:%H.%M} {zone} s.d. {until}".replace("  ", " "),
        place=letter.event_location,
    )


def _logo(tenant) -> bytes | None:
    """The tenant's logo for the letterhead, if it can be read."""
    if not tenant.logo:
        return None
    try:
        with tenant.logo.open("rb") as fh:
            return fh.read()
    except OSError:
        return None


def _addressee(recipient) -> str:
    if recipient.position_id:
        return recipient.position.title
    return str(recipient)


def letter_pdf(letter, *, doc: render.LetterDoc | None = None) -> bytes:
    """The letter followed by its attachments: PDFs appended (a bookmark each), images placed
    on pages, other types only listed in the letter."""
    doc = doc or letter_doc(letter)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(render.render_letter(doc))))
    writer.add_outline_item(title=f"{doc.type_name} {doc.number}".strip(), page_number=0)
    for att in letter.attachments.filter(kind=AttachmentKind.ATTACHMENT).order_by("pk"):
        start = len(writer.pages)
        try:
            with att.file.open("rb") as fh:
                data = fh.read()
            if att.content_type == "application/pdf":
                writer.append(PdfReader(io.BytesIO(data)))
            elif att.content_type.startswith("image/"):
                writer.append(PdfReader(io.BytesIO(_image_page(data))))
            else:
                continue
        except Exception:
            log.warning("attachment %s not merged into letter %s", att.pk, letter.pk, exc_info=True)
            continue
        writer.add_outline_item(title=f"Lampiran: {att.original_name}", page_number=start)
    writer.add_metadata(
        {
            "/Title": doc.subject,
            "/Subject": doc.number,
            "/Author": doc.tenant_name,
            "/Creator": "Naskah",
            "/NaskahDocumentId": doc.document_id,
            "/NaskahNumber": doc.number,
            "/NaskahTenant": doc.tenant_name,
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_page(data: bytes) -> bytes:
    image = ImageReader(io.BytesIO(data))
    w, h = image.getSize()
    box_w, box_h = A4[0] - 30 * mm, A4[1] - 30 * mm
    scale = min(box_w / w, box_h / h, 1.0 if w > 600 else box_w / w)
    buffer = io.BytesIO()
    c = render.canvas_maker(buffer, pagesize=A4)
    c.drawImage(image, (A4[0] - w * scale) / 2, (A4[1] - h * scale) / 2, w * scale, h * scale)
    c.showPage()
    c.save()
    return buffer.getvalue()
