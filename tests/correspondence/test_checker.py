"""The rules checker: each rule fires on a draft built to break it and stays silent on a
correct one; its errors block submitting, its warnings do not; the page and the API show
them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.models import Classification
from correspondence import services as svc
from correspondence.checker import academic_titles, letter_findings
from correspondence.choices import LetterState
from correspondence.models import AddressBookEntry, Letter, SigningMandate
from correspondence.services import RecipientInput
from organizations.choices import UnitKind
from tests.conftest import client_for
from tests.factories import PositionFactory, UnitFactory

from .helpers import PDF, draft, letter_type

WIB = dt.timezone(dt.timedelta(hours=7))
EVENT = {
    "event_start": dt.datetime(2030, 3, 4, 9, tzinfo=WIB),
    "event_end": dt.datetime(2030, 3, 4, 11, tzinfo=WIB),
    "event_location": "Aula Kominfo",
}
PERSON = {"name": "Rina Siregar", "nip": "", "rank": "", "position": "Pranata Komputer"}

# A correct draft of each type: the parts its layout requires, a body only where it has one,
# a classification code, and the invitation's event.
CORRECT = {
    "surat_dinas": {},
    "nota_dinas": {},
    "memo": {},
    "undangan": {**EVENT},
    "surat_edaran": {},
    "instruksi": {"parts": {"kepada": ["Camat"], "diktum": ["Melaksanakan SPBE."]}},
    "surat_keputusan": {
        "body": "",
        "parts": {
            "menimbang": ["bahwa perlu tim SPBE"],
            "mengingat": ["Perpres 95/2018"],
            "diktum": ["Membentuk tim SPBE."],
        },
    },
    "surat_tugas": {
        "body": "",
        "parts": {"dasar": ["DPA 2030"], "kepada": [PERSON], "untuk": ["Mengikuti rapat."]},
    },
    "berita_acara": {"parts": {"pihak": [{"label": "PIHAK PERTAMA", "name": "Rina Siregar"}]}},
    "surat_keterangan": {},
    "telaahan_staf": {
        "body": "",
        "parts": {
            "persoalan": "<p>Server lama.</p>",
            "fakta": "<p>Garansi habis.</p>",
            "analisis": "<p>Perlu diganti.</p>",
            "simpulan": "<p>Ganti.</p>",
            "saran": "<p>Anggarkan.</p>",
        },
    },
    "notula": {
        "parts": {"rapat": "Rapat SPBE", "pimpinan": "Kepala Dinas", "peserta": ["Bappeda"]},
    },
}


def correct_draft(world, code: str, **changes) -> Letter:
    fields = {"classification_code": "000.1", **CORRECT[code], **changes}
    return draft(world, code=code, **fields)


def codes(letter: Letter) -> dict[str, str]:
    return {f.code: f.level for f in letter_findings(Letter.objects.get(pk=letter.pk))}


def untitled_head(world) -> None:
    """The head of Kominfo's name without his degrees (so a decree's signer is clean)."""
    world.head.name = "Budi Hasibuan"
    world.head.save(update_fields=["name"])


@pytest.mark.parametrize("code", sorted(CORRECT))
def test_a_correct_draft_of_each_type_has_no_findings(world, code):
    # GIVEN a draft of the type with what its layout asks for, signed by an untitled head
    untitled_head(world)
    letter = correct_draft(world, code)
    # THEN the checker finds nothing
    assert codes(letter) == {}


# --- each rule, broken and kept ---
def _unit_without_head(world):
    return UnitFactory(
        tenant=world.tenant, name="UPT Data", kind=UnitKind.SECTION, parent=world.units["kominfo"]
    )


def _update(letter: Letter, **fields) -> Letter:
    """A state the services refuse to save, reached later (a mandate revoked, a code retired,
    a type's layout changed): written to the row directly."""
    Letter.objects.filter(pk=letter.pk).update(**fields)
    return letter


def _file_plan(world, *, active: bool = True) -> None:
    """A file plan of three codes; 000.2 retired unless `active`."""
    top, _ = Classification.objects.get_or_create(
        tenant=world.tenant, code="000", defaults={"title": "Umum", "depth": 1}
    )
    for code, title, is_active in (
        ("000.1", "Ketatausahaan", True),
        ("000.2", "Perlengkapan", active),
    ):
        Classification.objects.update_or_create(
            tenant=world.tenant,
            code=code,
            defaults={"title": title, "parent": top, "depth": 2, "is_active": is_active},
        )


def _with_attachment(world, letter: Letter) -> Letter:
    svc.attachment_add(
        letter=letter, by=world.drafter, upload=SimpleUploadedFile("lampiran.pdf", PDF)
    )
    return letter


def _mandate(world) -> None:
    """The secretary of Kominfo signs a.n. its head."""
    SigningMandate.objects.get_or_create(
        tenant=world.tenant,
        grantor=world.positions["kadis_kominfo"],
        holder=world.positions["sekdis_kominfo"],
    )


def _on_behalf(world, letter: Letter, grantor: str = "kadis_kominfo") -> Letter:
    return _update(
        letter,
        signer_position=world.positions["sekdis_kominfo"],
        on_behalf_of=world.positions[grantor],
    )


def _address_book(world, security: str) -> Letter:
    entry = AddressBookEntry.objects.create(tenant=world.tenant, name="PT Telkom")
    return svc.letter_create(
        by=world.drafter,
        letter_type=letter_type(world),
        subject="Permohonan data",
        body="<p>Mohon data.</p>",
        classification_code="000.1",
        security=security,
        signer_position=world.positions["kadis_kominfo"],
        recipients=[RecipientInput(kind="to", address=entry)],
    )


# (rule, level, field, the draft that breaks it, a correct draft of the same type)
RULES = [
    (
        "part.missing",
        "error",
        "body",
        lambda w: correct_draft(w, "surat_dinas", body="<p>&nbsp;</p>"),
        lambda w: correct_draft(w, "surat_dinas"),
    ),
    (
        "part.missing",
        "error",
        "mengingat",
        lambda w: correct_draft(w, "surat_keputusan", parts={"menimbang": ["a"], "diktum": ["b"]}),
        lambda w: correct_draft(w, "surat_keputusan"),
    ),
    (
        "part.unknown",
        "warning",
        "menimbang",
        lambda w: _update(correct_draft(w, "surat_dinas"), parts={"menimbang": ["bahwa"]}),
        lambda w: correct_draft(w, "surat_dinas"),
    ),
    (
        "part.unknown",
        "warning",
        "body",
        lambda w: correct_draft(w, "surat_tugas", body="<p>Isi bebas</p>"),
        lambda w: correct_draft(w, "surat_tugas"),
    ),
    (
        "addressee.missing",
        "error",
        "recipients",
        lambda w: _no_addressee(correct_draft(w, "surat_dinas", cc=("dinkes",))),
        lambda w: correct_draft(w, "surat_dinas", cc=("dinkes",)),
    ),
    (
        "addressee.no_official",
        "error",
        "recipients",
        lambda w: _to_unit(w, _unit_without_head(w)),
        lambda w: correct_draft(w, "surat_dinas", to=("bappeda",)),
    ),
    (
        "signer.missing",
        "error",
        "signer_position",
        lambda w: _update(correct_draft(w, "surat_dinas"), signer_position=None),
        lambda w: correct_draft(w, "surat_dinas"),
    ),
    (
        "signer.not_allowed",
        "error",
        "signer_position",
        lambda w: _update(
            correct_draft(w, "surat_edaran"), signer_position=w.positions["kabid_tik"]
        ),
        lambda w: correct_draft(w, "surat_edaran"),
    ),
    (
        "signer.mandate_missing",
        "error",
        "on_behalf_of",
        lambda w: _on_behalf(w, correct_draft(w, "surat_dinas")),
        lambda w: (_mandate(w), _on_behalf(w, correct_draft(w, "surat_dinas")))[1],
    ),
    (
        "signer.grantor_not_allowed",
        "error",
        "on_behalf_of",
        lambda w: _on_behalf(w, correct_draft(w, "surat_dinas"), grantor="pengadm_kominfo"),
        lambda w: (_mandate(w), _on_behalf(w, correct_draft(w, "surat_dinas")))[1],
    ),
    (
        "titles.signer",
        "warning",
        "signer_position",
        lambda w: correct_draft(w, "surat_keputusan"),  # "Ir. Budi Hasibuan, M.M." signs
        lambda w: (untitled_head(w), correct_draft(w, "surat_keputusan"))[1],
    ),
    (
        "titles.people",
        "warning",
        "kepada",
        lambda w: _decree_naming(w, "Dr. Rina Siregar, S.T."),
        lambda w: _decree_naming(w, "Rina Siregar"),
    ),
    (
        "classification.empty",
        "warning",
        "classification_code",
        lambda w: correct_draft(w, "surat_dinas", classification_code=""),
        lambda w: correct_draft(w, "surat_dinas"),
    ),
    (
        "classification.unknown",
        "error",
        "classification_code",
        lambda w: (
            _file_plan(w),
            _update(correct_draft(w, "nota_dinas"), classification_code="999.9"),
        )[1],
        lambda w: (_file_plan(w), correct_draft(w, "nota_dinas"))[1],
    ),
    (
        "classification.inactive",
        "error",
        "classification_code",
        lambda w: (
            _file_plan(w, active=False),
            _update(correct_draft(w, "nota_dinas"), classification_code="000.2"),
        )[1],
        lambda w: (_file_plan(w), correct_draft(w, "nota_dinas", classification_code="000.2"))[1],
    ),
    (
        "attachment.missing",
        "error",
        "attachment",
        lambda w: correct_draft(w, "surat_dinas", body="<p>Data terlampir.</p>"),
        lambda w: _with_attachment(
            w, correct_draft(w, "surat_dinas", body="<p>Data terlampir.</p>")
        ),
    ),
    (
        "attachment.unmentioned",
        "warning",
        "attachment",
        lambda w: _with_attachment(w, correct_draft(w, "surat_dinas")),
        lambda w: _with_attachment(
            w, correct_draft(w, "surat_dinas", body="<p>Bersama ini kami sampaikan lampiran.</p>")
        ),
    ),
    (
        "event.start_missing",
        "error",
        "event_start",
        lambda w: correct_draft(w, "undangan", event_start=None, event_end=None),
        lambda w: correct_draft(w, "undangan"),
    ),
    (
        "event.place_missing",
        "error",
        "event_location",
        lambda w: correct_draft(w, "undangan", event_location=""),
        lambda w: correct_draft(w, "undangan"),
    ),
    (
        "security.off_platform",
        "warning",
        "recipients",
        lambda w: _address_book(w, "rahasia"),
        lambda w: _address_book(w, "terbatas"),
    ),
]


def _no_addressee(letter: Letter) -> Letter:
    letter.recipients.filter(kind="to").delete()
    return letter


def _to_unit(world, unit) -> Letter:
    return svc.letter_create(
        by=world.drafter,
        letter_type=letter_type(world),
        subject="Permohonan data",
        body="<p>Mohon data.</p>",
        classification_code="000.1",
        signer_position=world.positions["kadis_kominfo"],
        recipients=[RecipientInput(kind="to", unit=unit)],
    )


def _decree_naming(world, name: str) -> Letter:
    """A decree whose tenant added a "Kepada" list of people to its layout."""
    decree = letter_type(world, "surat_keputusan")
    decree.layout = {"parts": [{"name": "kepada", "label": "Kepada", "kind": "people"}]}
    decree.save(update_fields=["layout"])
    untitled_head(world)
    return correct_draft(world, "surat_keputusan", parts={"kepada": [{**PERSON, "name": name}]})


@pytest.mark.parametrize(
    ("rule", "level", "field", "broken", "correct"),
    RULES,
    ids=[f"{r[0]}:{r[2]}" for r in RULES],
)
def test_each_rule_fires_on_a_draft_that_breaks_it_and_not_on_a_correct_one(
    world, rule, level, field, broken, correct
):
    # GIVEN a draft built to break the rule
    letter = broken(world)
    # THEN the rule fires, at its level, on its field, citing a rule
    found = [f for f in letter_findings(Letter.objects.get(pk=letter.pk)) if f.code == rule]
    assert [(f.level, f.field) for f in found][:1] == [(level, field)]
    assert found[0].message and found[0].rule
    # AND on a correct draft of the same type it is silent
    assert rule not in codes(correct(world))


def test_a_missing_mandate_is_named(world):
    # GIVEN the secretary signing a.n. the head of the agency, with no mandate for it
    letter = _on_behalf(world, correct_draft(world, "surat_dinas"))
    # THEN the finding names both posts: the mandate to ask for
    found = letter_findings(Letter.objects.get(pk=letter.pk))
    (finding,) = [f for f in found if f.code == "signer.mandate_missing"]
    assert "Sekretaris Dinas Kominfo" in finding.message
    assert "a.n. Kepala Dinas Kominfo" in finding.message


def test_a_signers_degrees_are_named_where_titles_are_forbidden(world):
    letter = correct_draft(world, "surat_keputusan")
    (finding,) = [f for f in letter_findings(letter) if f.code == "titles.signer"]
    assert "Ir., M.M." in finding.message and finding.rule == "Permendagri 1/2023 art. 44"


def test_a_type_that_is_not_addressed_needs_no_addressee(world):
    # GIVEN a decree (not addressed) that goes only as copies
    untitled_head(world)
    letter = _no_addressee(correct_draft(world, "surat_keputusan", cc=("dinkes",)))
    # THEN no addressee rule fires
    assert not {c for c in codes(letter) if c.startswith("addressee.")}


def test_an_addressee_post_of_a_headless_unit_is_fine(world):
    # GIVEN a unit without a head, addressed through one of its posts
    unit = _unit_without_head(world)
    post = PositionFactory(unit=unit, title="Pengelola Data")
    letter = svc.letter_create(
        by=world.drafter,
        letter_type=letter_type(world),
        subject="Permohonan data",
        body="<p>Mohon data.</p>",
        classification_code="000.1",
        signer_position=world.positions["kadis_kominfo"],
        recipients=[RecipientInput(kind="to", unit=unit, position=post)],
    )
    assert codes(letter) == {}


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        ("Ir. Budi Hasibuan, M.M.", ["Ir.", "M.M."]),
        ("Dr. Ahmad Rizal Pohan", ["Dr."]),
        ("dr. Taufik Ririansyah", ["dr."]),
        ("Drs. H. Mulyadi", ["Drs."]),
        ("H. Drs. Mulyadi", ["Drs."]),
        ("Ir Wan", []),
        ("Prof. Dr. Ir. Siti, M.Sc., Ph.D.", ["Prof.", "Dr.", "Ir.", "M.Sc.", "Ph.D."]),
        ("H. Irwan Tanjung", []),
        ("Tengku Chairuniza", []),
        ("Yoga Pratama", []),
    ],
)
def test_academic_titles_in_a_name(name, titles):
    assert academic_titles(name) == titles


# --- errors block submitting, warnings do not ---
def test_errors_block_submit_with_their_message(world):
    # GIVEN a draft whose text mentions an attachment it does not have
    letter = correct_draft(world, "surat_dinas", body="<p>Data terlampir.</p>")
    (finding,) = letter_findings(letter)
    # WHEN the drafter submits it
    with pytest.raises(ValidationError) as caught:
        svc.letter_submit(letter=letter, by=world.drafter)
    # THEN it is refused with the finding's message, on its field, and stays a draft
    assert caught.value.message_dict == {"attachment": [finding.message]}
    assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT


def test_several_errors_are_all_given_at_once(world):
    letter = correct_draft(world, "undangan", event_start=None, event_end=None, event_location="")
    with pytest.raises(ValidationError) as caught:
        svc.letter_submit(letter=letter, by=world.drafter)
    assert set(caught.value.message_dict) == {"event_start", "event_location"}


def test_warnings_do_not_block_submit(world):
    # GIVEN a draft with warnings only: no classification code, an unmentioned attachment
    letter = _with_attachment(world, correct_draft(world, "surat_dinas", classification_code=""))
    assert set(codes(letter).values()) == {"warning"}
    # WHEN it is submitted THEN it goes to review
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    assert letter.state == LetterState.IN_REVIEW


# --- the page and the API show them ---
def test_the_draft_page_and_the_edit_page_show_errors_and_warnings(world):
    letter = correct_draft(
        world, "surat_dinas", body="<p>Data terlampir.</p>", classification_code=""
    )
    c = client_for(world.drafter)
    for url in (
        reverse("correspondence:letter", args=[letter.pk]),
        reverse("correspondence:edit", args=[letter.pk]),
    ):
        page = c.get(url).content.decode()
        assert 'data-testid="findings"' in page
        assert 'data-level="error" data-code="attachment.missing"' in page
        assert 'data-level="warning" data-code="classification.empty"' in page


def test_submitting_on_the_page_shows_the_errors_and_a_submitted_letter_shows_none(world):
    letter = correct_draft(world, "surat_dinas", body="<p>Data terlampir.</p>")
    (finding,) = letter_findings(letter)
    c = client_for(world.drafter)
    url = reverse("correspondence:letter", args=[letter.pk])
    r = c.post(
        reverse("correspondence:action", args=[letter.pk, "submit"]), {"back": url}, follow=True
    )
    page = r.content.decode()
    assert 'class="msg error"' in page and page.count(finding.message) == 2  # refusal, list
    assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT
    _with_attachment(world, letter)
    c.post(reverse("correspondence:action", args=[letter.pk, "submit"]), {"back": url})
    assert Letter.objects.get(pk=letter.pk).state == LetterState.IN_REVIEW
    assert b'data-testid="findings"' not in c.get(url).content


def test_saving_in_the_api_answers_the_findings(world):
    api = client_for(world.drafter)
    created = api.post(
        reverse("api:letter-list"),
        {
            "letter_type": "surat_dinas",
            "subject": "Permohonan data",
            "body": "<p>Data terlampir.</p>",
            "signer_position": world.positions["kadis_kominfo"].pk,
            "recipients": [{"kind": "to", "unit": world.units["bappeda"].pk}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    found = {f["code"]: f for f in body["findings"]}
    assert found["attachment.missing"]["level"] == "error"
    assert found["attachment.missing"]["field"] == "attachment"
    assert found["classification.empty"]["level"] == "warning"
    assert found["classification.empty"]["rule"].startswith("Permendagri 83/2022")
    # submit is refused with the error's message
    url = reverse("api:letter-detail", args=[body["id"]])
    refused = api.post(reverse("api:letter-submit", args=[body["id"]]), {}, "application/json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["attachment"] == [found["attachment.missing"]["message"]]
    # an edit answers the findings of the saved draft
    patched = api.patch(
        url,
        {"version": 1, "body": "<p>Mohon data.</p>", "classification_code": "000.1"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["findings"] == []
    assert api.get(url).json()["findings"] == []
