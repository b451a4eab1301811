"""From a letter to its official PDF: the data for the renderer (layout, kop, addressees,
signature blocks by authority), attachments appended with the lampiran header, metadata set;
and the draft preview through the same path."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from core.dates import date_long, day_date_long
from core.pdfa import pdfa_finish
from organizations.choices import AssignmentKind, RegionalRole, TimeZone
from organizations.models import Assignment, Position, Unit
from workflows.choices import SecurityLevel, Urgency

from .. import numbering
from .. import permissions as policy
from ..choices import AttachmentKind, RecipientKind, StepKind
from ..layouts import Layout, layout_of, parts_fit, titles_allowed
from . import attach, render
from .signature import Authority, SignatureBlock, party_label, post_title, signature_block

log = logging.getLogger(__name__)

SIGNED_FOOTER = (
    "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik "
    "yang diterbitkan oleh {issuer}. Keaslian dokumen dapat diperiksa dengan memindai kode QR."
)
# What a naskah prints for the security level and the urgency (always Indonesian: the page is
# a record, not the reader's interface).
SECURITY_WORDS = {
    SecurityLevel.BIASA: "Biasa",
    SecurityLevel.TERBATAS: "Terbatas",
    SecurityLevel.RAHASIA: "Rahasia",
    SecurityLevel.SANGAT_RAHASIA: "Sangat Rahasia",
}
URGENCY_WORDS = {Urgency.SEGERA: "Segera", Urgency.SANGAT_SEGERA: "Sangat Segera"}
RED = {SecurityLevel.RAHASIA, SecurityLevel.SANGAT_RAHASIA}


def verify_url(letter) -> str:
    return f"{letter.tenant.base_url}/v/{letter.verify_token}"


def opd_of(unit):
    """The OPD a unit belongs to (its ancestor at depth 2), or the unit itself."""
    ancestors = [*Unit.objects.get_ancestors(unit), unit]
    return ancestors[1] if len(ancestors) > 1 else ancestors[0]


def post_display(position: Position, tenant, *, upper: bool = True) -> str:
    """A post as the letter writes it: the region added to the heads of the region's own
    offices ("KEPALA DINAS KESEHATAN KOTA MEDAN"), capitals in a signature block."""
    role = position.regional_role
    # The region head's own title names the region already ("Bupati Deli Serdang").
    with_region = role == RegionalRole.SECRETARY or (
        role == RegionalRole.NONE and position.is_head and position.unit.depth <= 2
    )
    return post_title(position.title, tenant.region_name, with_region=with_region, upper=upper)


def _acting(user, position, on) -> str | None:
    """plt/plh/pj when the user holds the post acting on that day, "" when definitively, None
    when not at all (signing through an inbox delegation)."""
    kind = (
        Assignment.objects.current(on)
        .filter(user=user, position=position)
        .values_list("kind", flat=True)
        .first()
    )
    if kind is None:
        return None
    return kind if kind in {AssignmentKind.PLT, AssignmentKind.PLH, AssignmentKind.PJ} else ""


def _own_post(user, on) -> Position | None:
    a = (
        Assignment.objects.current(on)
        .filter(user=user)
        .select_related("position__unit")
        .order_by("kind", "start_date")
        .first()
    )
    return a.position if a else None


def authority_of(letter, user, position, on) -> Authority:
    """In what capacity `user` signs `position`'s step: definitive, acting (Plt./Plh./Pj.), a.n.
    the letter's mandating post (u.b. through the post between), or a.n. a head whose inbox
    was delegated to them (their own post on the signer's line)."""
    tenant = letter.tenant
    acting = _acting(user, position, on)
    own = position
    for_title = via_title = ""
    if acting is None:  # a delegate signs for the head: a.n. the head, under their own post
        for_title = post_display(position, tenant)
        own = _own_post(user, on) or position
        acting = _acting(user, own, on) or ""
    elif letter.on_behalf_of_id and position.pk == letter.signer_position_id:
        grantor = letter.on_behalf_of
        for_title = post_display(grantor, tenant)
        mandate = policy.mandate_for(letter.letter_type, position, grantor)
        if mandate and mandate.via_id:
            via_title = post_display(mandate.via, tenant)
    return Authority(
        title=post_display(own, tenant),
        acting=acting,
        for_title=for_title,
        via_title=via_title,
        regional_role=own.regional_role,
    )


def _block(letter, layout: Layout, user, position, on, label: str = "") -> SignatureBlock:
    return signature_block(
        authority_of(letter, user, position, on),
        name=user.display_name,
        nip=user.nip,
        rank=user.rank,
        titles=titles_allowed(layout),
        label=label,
    )


def _labelled(letter, layout: Layout, posts) -> list[SignatureBlock]:
    """The blocks of `posts` [(position, user)], the parties of a berita acara or surat kuasa
    labelled from its parts (the one beyond the parties: "Mengetahui")."""
    on = _signing_day(letter)
    parts = parts_fit(layout, letter.parts)
    parties = parts.get("pihak", []) if layout.signature == "parties" else []
    blocks = []
    for i, (position, user) in enumerate(posts):
        label = ""
        if layout.signature == "parties" and len(posts) > 1:
            if i < len(parties):
                label = parties[i].get("label") or party_label(i + 1)
            elif i == len(posts) - 1 and len(posts) % 2:
                label = "Mengetahui"
            else:
                label = party_label(i + 1)
        blocks.append(_block(letter, layout, user, position, on, label))
    return blocks


def _signing_day(letter):
    tz = ZoneInfo(letter.tenant.time_zone)
    return timezone.localtime(letter.signed_at or timezone.now(), tz).date()


def signature_blocks(letter) -> list[SignatureBlock]:
    """One block per signature step of the current round that was signed, in order."""
    steps = (
        letter.steps.filter(round=letter.review_round, kind=StepKind.SIGN)
        .select_related("position__unit", "acted_by")
        .order_by("order")
    )
    posts = []
    for step in steps:
        user = step.acted_by or (
            letter.signed_by if step.position_id == letter.signed_as_id else None
        )
        if user is not None:
            posts.append((step.position, user))
    return _labelled(letter, layout_of(letter.letter_type), posts)


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


def planned_signature_blocks(letter) -> list[SignatureBlock]:
    """The signature blocks a draft will carry: its signature steps (or its signer), each with
    the official who signed or who holds the post today."""
    steps = list(
        letter.steps.filter(round=letter.review_round, kind=StepKind.SIGN)
        .select_related("position__unit", "acted_by")
        .order_by("order")
    )
    posts = [(s.position, s.acted_by) for s in steps] or (
        [(letter.signer_position, None)] if letter.signer_position_id else []
    )
    posts = [(p, u or _holder(p)) for p, u in posts]
    return _labelled(letter, layout_of(letter.letter_type), [(p, u) for p, u in posts if u])


def number_placeholder(letter) -> str:
    """The number a draft will get, its sequence left open: "…/000.1.2/DISKOMINFO/2026"."""
    today = timezone.localdate(timezone=ZoneInfo(letter.tenant.time_zone))
    register = letter.on_behalf_of or letter.signer_position
    unit = register.unit if register is not None else letter.unit
    sentinel = 987654321  # formatted as a number (a pattern may say {seq:03d}), then replaced
    number = numbering.letter_number(letter, seq=sentinel, unit=unit, on=today)
    return number.replace(str(sentinel), "…")


def letter_preview_pdf(letter) -> bytes:
    """The draft as it will print: the same code path as the signed letter, watermarked
    KONSEP, with the number's placeholder and the planned signers."""
    doc = letter_doc(letter, signer_blocks=planned_signature_blocks(letter), signed=False)
    doc.number = number_placeholder(letter)
    doc.draft = True
    return letter_pdf(letter, doc=doc, preview=True)


def preview_filename(letter) -> str:
    """The name the preview is shown under (it has no number yet)."""
    return f"konsep-{letter.pk}.pdf"


def _authority_post(letter) -> Position | None:
    """The post whose authority the letter carries: the mandating post of an a.n. letter,
    else the post that signed (or will sign)."""
    return letter.on_behalf_of or letter.signed_as or letter.signer_position


def letterhead_of(letter, layout: Layout, post: Position | None) -> render.Letterhead:
    """The kop: the region head's post kop for a letter carrying that post's authority (or
    when the layout asks for it), else the OPD's kop with the OPD's own address."""
    tenant = letter.tenant
    position_kop = post is not None and (
        layout.kop == "position"
        or (
            layout.kop == "auto"
            and post.regional_role in {RegionalRole.HEAD, RegionalRole.VICE_HEAD}
        )
    )
    logo = _logo(tenant)
    if position_kop:
        return render.Letterhead(
            government="",
            unit=post_display(post, tenant),
            address_lines=[],
            logo=logo,
            position=True,
        )
    opd = opd_of(post.unit if post is not None else letter.unit)
    contact = " · ".join(
        x for x in (opd.letterhead_line(k) for k in ("phone", "email", "website")) if x
    )
    return render.Letterhead(
        government=tenant.letterhead_government or tenant.name,
        unit=opd.name,
        address_lines=[opd.letterhead_line("address"), contact],
        logo=logo,
    )


def sifat_of(letter) -> str:
    """ "Biasa", "Rahasia", "Segera", "Rahasia, Sangat Segera"."""
    words = [SECURITY_WORDS[letter.security]] if letter.security != SecurityLevel.BIASA else []
    if letter.urgency in URGENCY_WORDS:
        words.append(URGENCY_WORDS[letter.urgency])
    return ", ".join(words) or "Biasa"


def _addressee(recipient, tenant) -> str:
    """An addressee as the letter names it: an official by post with the region ("Kepala
    Badan Perencanaan Pembangunan Daerah Kota Medan"), a unit by its head's post, an
    addressee off the platform by name and organisation."""
    if recipient.position_id:  # the region is the addressee's own government's
        return post_display(recipient.position, recipient.position.tenant, upper=False)
    if recipient.unit_id:
        head = next((p for p in recipient.unit.positions.all() if p.is_head and p.is_active), None)
        if head is not None:
            return post_display(head, recipient.unit.tenant, upper=False)
        return recipient.unit.name
    return str(recipient)


def _di(recipients, tenant) -> str:
    """ "di Tempat" for addressees in the tenant's own city; "di <place>" for the one
    addressee off the platform elsewhere."""
    outside = [
        r.address
        for r in recipients
        if r.address_id
        and r.address.address
        and tenant.city.lower() not in r.address.address.lower()
    ]
    if len(outside) == 1 and len(recipients) == 1:
        return f"di {outside[0].address.splitlines()[-1].strip()}"
    return "di Tempat"


def letter_doc(letter, *, signer_blocks=None, signed: bool = True) -> render.LetterDoc:
    """Everything the letter's PDF shows, read from the letter (`signer_blocks` for a
    preview; `signed=False` leaves the signed footer out)."""
    tz = ZoneInfo(letter.tenant.time_zone)
    when = timezone.localtime(letter.signed_at or timezone.now(), tz)
    tenant = letter.tenant
    layout = layout_of(letter.letter_type)
    post = _authority_post(letter)
    recipients = list(
        letter.recipients.select_related(
            "unit__tenant", "position__unit", "position__tenant", "address"
        )
        .prefetch_related("unit__positions__unit")
        .order_by("order", "pk")
    )
    to = [r for r in recipients if r.kind == RecipientKind.TO]
    cc = [_addressee(r, tenant) for r in recipients if r.kind == RecipientKind.CC]
    attachments = list(letter.attachments.filter(kind=AttachmentKind.ATTACHMENT).order_by("pk"))
    issuer = getattr(getattr(tenant, "signing_authority", None), "name", "") or "Naskah CA"
    authority = post_display(post, tenant) if post is not None else ""
    signer = letter.signed_as or letter.signer_position
    return render.LetterDoc(
        type_code=letter.letter_type.code,
        type_name=letter.letter_type.name,
        layout=layout,
        parts=parts_fit(layout, letter.parts),
        title=layout.title.replace("{authority}", authority),
        letterhead=letterhead_of(letter, layout, post),
        number=letter.number or "",
        sifat=sifat_of(letter),
        marking=SECURITY_WORDS[letter.security].upper()
        if letter.security != SecurityLevel.BIASA
        else "",
        marking_red=letter.security in RED,
        subject=letter.subject,
        place=tenant.city,
        date=date_long(when.date()),
        addressees=[_addressee(r, tenant) for r in to] or ["-"],
        di=_di(to, tenant),
        body_html=letter.body,
        signatures=signer_blocks if signer_blocks is not None else signature_blocks(letter),
        cc=cc,
        from_label=post_display(signer, tenant, upper=False) if signer is not None else "",
        event=_event_block(letter, tz),
        attachment_names=[attach.attachment_label(a) for a in attachments],
        attachments_count=len(attachments),
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
    until = f"{end:%H.%M} {zone}" if end else "selesai"
    return render.EventBlock(
        day_date=day_date_long(start.date()),
        time=" ".join(f"{start:%H.%M} {zone} s.d. {until}".split()),
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


def letter_pdf(letter, *, doc: render.LetterDoc | None = None, preview: bool = False) -> bytes:
    """The letter followed by its attachments, PDF/A-3: PDFs appended (a bookmark each),
    images placed on pages, other files embedded. Raises AttachmentUnmergeable for an
    attachment that cannot be carried; a `preview` renders anyway and says so in its list."""
    doc = doc or letter_doc(letter)
    atts = letter.attachments.filter(kind=AttachmentKind.ATTACHMENT).order_by("pk")
    carried = [attach.attachment_carry(att) for att in atts]
    broken = [c for c in carried if c.broken]
    if broken and not preview:
        raise attach.AttachmentUnmergeable(broken[0].name)
    if broken:
        doc = replace(
            doc, attachment_names=[attach.broken_label(c) if c.broken else c.label for c in carried]
        )
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(render.render_letter(doc))))
    writer.add_outline_item(title=f"{doc.type_name} {doc.number}".strip(), page_number=0)
    for c in carried:
        if c.reader is not None:
            _append(writer, doc, c, preview=preview)
    writer.add_metadata({"/Title": doc.subject, "/Subject": doc.number, "/Author": doc.tenant_name})
    out = io.BytesIO()
    writer.write(out)
    return pdfa_finish(
        out.getvalue(),
        part=3,
        info={
            "/NaskahDocumentId": doc.document_id,
            "/NaskahNumber": doc.number,
            "/NaskahTenant": doc.tenant_name,
        },
        files=[c.embedded for c in carried if c.embedded is not None],
        to_sign=not preview,
    )


def _append(writer: PdfWriter, doc: render.LetterDoc, carried, *, preview: bool) -> None:
    """An attachment's pages after the letter's, stamped and bookmarked."""
    start = len(writer.pages)
    try:
        writer.append(carried.reader)
        _stamp(writer, doc, start)
    except Exception as exc:
        if not preview:
            raise attach.AttachmentUnmergeable(carried.name) from exc
        log.warning("attachment %s not merged into a preview", carried.name, exc_info=True)
        return
    writer.add_outline_item(title=f"Lampiran: {carried.name}", page_number=start)


def _stamp(writer: PdfWriter, doc: render.LetterDoc, start: int) -> None:
    """Every appended page carries the lampiran header and the letter's page decoration."""
    for i in range(start, len(writer.pages)):
        page = writer.pages[i]
        box = page.mediabox
        overlay = render.attachment_overlay(doc, i + 1, float(box.width), float(box.height))
        page.merge_page(PdfReader(io.BytesIO(overlay)).pages[0])
