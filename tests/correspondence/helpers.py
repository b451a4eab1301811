"""Letters built through the services, for tests."""

from __future__ import annotations

from correspondence import services as svc
from correspondence.layouts import layout_of
from correspondence.models import Delivery, Letter, LetterType
from correspondence.services import RecipientInput

from ..factories import PASSWORD


def _one_page_pdf() -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Pindaian surat")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


PDF = _one_page_pdf()  # a small real PDF (uploads are opened and checked)


def letter_type(world, code="surat_dinas", tenant=None) -> LetterType:
    return LetterType.objects.get(tenant=tenant or world.tenant, code=code)


SAMPLE_PART = {
    "html": "<p>Uraian.</p>",
    "text": "Rapat koordinasi",
    "event": "Rapat koordinasi",
    "items": ["Butir pertama."],
    "people": [{"name": "Rina Siregar", "position": "Pranata Komputer Ahli Muda"}],
    "parties": [{"label": "PIHAK PERTAMA", "name": "Rina Siregar"}],
}


def parts_sample(letter_type: LetterType) -> dict:
    """A value for each required structured part of the type's layout, so a draft of any
    type passes the rules checker's part rule."""
    return {
        spec.name: SAMPLE_PART[spec.kind]
        for spec in layout_of(letter_type).structured
        if spec.required and spec.kind != "event"
    }


def draft(
    world,
    *,
    to=("bappeda",),
    cc=(),
    security="biasa",
    by=None,
    code="surat_dinas",
    to_positions=None,
    addresses=(),
    **fields,
) -> Letter:
    """A draft by the drafter (Seksi Aptika) signed by the head of Kominfo; `addresses` are
    address-book entries it also goes to (off the platform)."""
    recipients = [RecipientInput(kind="to", unit=world.units[u]) for u in to]
    recipients += [RecipientInput(kind="to", address=a) for a in addresses]
    recipients += [
        RecipientInput(kind="to", unit=world.positions[p].unit, position=world.positions[p])
        for p in to_positions or ()
    ]
    recipients += [RecipientInput(kind="cc", unit=world.units[u]) for u in cc]
    fields.setdefault("subject", "Permohonan data aplikasi")
    fields.setdefault("body", "<p>Dengan hormat,</p><p>Mohon data.</p>")
    kind = letter_type(world, code)
    fields.setdefault("parts", parts_sample(kind))
    return svc.letter_create(
        by=by or world.drafter,
        letter_type=kind,
        recipients=recipients,
        security=security,
        signer_position=world.positions["kadis_kominfo"],
        **fields,
    )


def through_review(world, letter: Letter) -> Letter:
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    return svc.letter_approve(letter=letter, by=world.reviewer2)


def signed(world, **kw) -> Letter:
    letter = through_review(world, draft(world, **kw))
    return svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head)


def sent(world, **kw) -> Letter:
    return svc.letter_send(letter=signed(world, **kw), by=world.head)


def delivery_to(letter: Letter, world, unit_key: str) -> Delivery:
    return Delivery.objects.get(letter=letter, unit=world.units[unit_key])
