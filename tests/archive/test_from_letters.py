"""A finished letter is filed in the archive with its PDF, attachments, disposition sheets and
audit trail; the record inherits the letter's access."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from archive.choices import FileKind, RecordState
from archive.models import Classification, Record
from archive.selectors import record_for_source, thread_case_file
from archive.services import records
from correspondence import services as svc
from correspondence.archiving import delivery_file, letter_file
from correspondence.hooks import classification_known
from tests.conftest import client_for
from tests.correspondence.helpers import delivery_to, sent

from .helpers import archive_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    archive_setup(world)
    return world


def _text(row) -> str:
    data = row.file.open("rb").read()
    if row.content_type == "application/pdf":  # words wrap in table cells: one space each
        return " ".join(
            " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split()
        )
    return data.decode()


def test_each_side_files_its_own_record(setup, django_capture_on_commit_callbacks):
    # GIVEN a signed letter to two OPDs, with a disposition in one of them
    w = setup
    letter = sent(w, to=("bappeda", "dinkes"), classification_code="000.1")
    # (and the code has since been retired from the file plan)
    Classification.objects.filter(tenant=w.tenant, code="000.1").update(is_active=False)
    heads = {"bappeda": w.bappeda_head, "dinkes": w.dinkes_head}
    for head in heads.values():
        svc.letter_opened(letter=letter, by=head)
    bappeda, dinkes = delivery_to(letter, w, "bappeda"), delivery_to(letter, w, "dinkes")
    # WHEN Bappeda dispositions and finishes its delivery
    with django_capture_on_commit_callbacks(execute=True):
        svc.disposition_create(
            delivery=bappeda,
            by=w.bappeda_head,
            to_positions=[w.positions["perencana"]],
            instructions=["pelajari"],
            note="Catatan internal Bappeda",
        )
        svc.delivery_finish(delivery=bappeda, by=heads["bappeda"])
    # THEN Bappeda's own record is filed, the sender's waits for Dinkes
    received = record_for_source(bappeda)
    assert received is not None and record_for_source(letter) is None
    with django_capture_on_commit_callbacks(execute=True):
        svc.delivery_finish(delivery=dinkes, by=heads["dinkes"])
    sender = record_for_source(letter)
    assert sender is not None and sender.state == RecordState.ACTIVE
    assert sender.classification.code == "000"  # the nearest code still in the plan
    assert "000.1" in sender.description
    assert sender.number == letter.number and sender.unit == w.units["kominfo"]
    # the sender's record: the letter and the sender's trail, no unit's dispositions
    assert sorted(sender.files.values_list("kind", flat=True)) == sorted(
        [FileKind.MAIN, FileKind.AUDIT]
    )
    assert sender.files.get(kind=FileKind.MAIN).sha256 == letter.pdf_sha256
    audit = list(csv.reader(io.StringIO(_text(sender.files.get(kind=FileKind.AUDIT)))))
    actions = [row[2] for row in audit[1:]]
    assert "letter.sent" in actions and "delivery.done" in actions
    assert not any(a.startswith("disposition.") for a in actions)
    assert sender.thread_key == f"letter:{letter.pk}"
    # Bappeda's record: the letter with its own agenda, sheet and trail
    assert received.unit == w.units["bappeda"] and received.number == letter.number
    assert bappeda.agenda_number in received.description
    kinds = sorted(received.files.values_list("kind", flat=True))
    assert kinds == sorted([FileKind.MAIN, FileKind.DISPOSITION, FileKind.AUDIT])
    sheet = _text(received.files.get(kind=FileKind.DISPOSITION))
    assert "LEMBAR DISPOSISI" in sheet and "Catatan internal Bappeda" in sheet
    assert bappeda.agenda_number in sheet
    assert "Catatan internal Bappeda" in _text(received.files.get(kind=FileKind.AUDIT))
    # Dinkes's record and the sender's hold no word of Bappeda's note
    other = record_for_source(dinkes)
    for record in (sender, other):
        for row in record.files.all():
            assert "Catatan internal Bappeda" not in _text(row), row.name
            assert bappeda.agenda_number not in _text(row), row.name


def test_filing_twice_makes_one_record(setup):
    w = setup
    letter = sent(w)
    first = letter_file(letter)
    assert letter_file(letter).pk == first.pk
    assert Record.objects.filter(source_type__model="letter", source_id=letter.pk).count() == 1
    delivery = delivery_to(letter, w, "bappeda")
    svc.letter_opened(letter=letter, by=w.bappeda_head)
    svc.delivery_finish(delivery=delivery, by=w.bappeda_head)
    assert delivery_file(delivery).pk == delivery_file(delivery).pk


def test_the_sender_closes_the_letter(setup, django_capture_on_commit_callbacks):
    w = setup
    letter = sent(w, classification_code="000.1")
    with pytest.raises(PermissionDenied):
        svc.letter_close(letter=letter, by=w.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        svc.letter_close(letter=letter, by=w.drafter)
    assert record_for_source(letter).classification.code == "000.1"
    with pytest.raises(PermissionDenied):
        svc.letter_close(letter=letter, by=w.drafter)  # already closed
    page = client_for(w.drafter).get(f"/letters/{letter.pk}/")
    assert b'data-testid="archived"' in page.content


def test_a_reply_is_proposed_into_the_thread_case_file(setup):
    w = setup
    first = sent(w, classification_code="000.1")
    record = letter_file(first)
    case = records.casefile_create(
        tenant=w.tenant,
        classification=record.classification,
        unit=record.unit,
        title="Permohonan data",
        by=w.archivist,
        thread_key=record.thread_key,
        records=[record],
    )
    reply = sent(w, classification_code="000.1", reply_to=first)
    filed = letter_file(reply)
    assert filed.case_file == case  # the thread's open case file took it
    assert thread_case_file(filed) is None


# The sender's record is open to the sending side; Bappeda's to whoever reads Bappeda's
# delivery. Every archivist of the records unit opens both.
@pytest.mark.parametrize(
    ("who", "sender", "receiver"),
    [
        ("drafter", True, False),
        ("head", True, False),
        ("reviewer", True, False),
        ("bappeda_head", False, True),
        ("bappeda_clerk", False, True),
        ("bappeda_staff", False, True),
        ("archivist", True, True),
        ("outsider", False, False),
        ("dinkes_head", False, False),
        ("foreigner", False, False),
    ],
)
def test_record_access_follows_its_side(setup, who, sender, receiver):
    w = setup
    letter = sent(w, to=("bappeda", "dinkes"))
    delivery = delivery_to(letter, w, "bappeda")
    svc.disposition_create(
        delivery=delivery,
        by=w.bappeda_head,
        instructions=["pelajari"],
        to_positions=[w.positions["perencana"]],
    )
    svc.delivery_finish(delivery=delivery, by=w.bappeda_head)
    records = {"sender": letter_file(letter), "receiver": delivery_file(delivery)}
    user = getattr(w, who)
    for side, sees in (("sender", sender), ("receiver", receiver)):
        record = records[side]
        assert Record.objects.visible_to(user).filter(pk=record.pk).exists() is sees, side
        status = client_for(user).get(f"/archive/records/{record.pk}/").status_code
        assert status == (200 if sees else 404), side


def test_classification_check_uses_the_file_plan(setup, world):
    assert classification_known(world.tenant, "000.1")
    assert not classification_known(world.tenant, "999.9")
    assert not classification_known(world.tenant, "abc")
    assert classification_known(world.wita_tenant, "999.9")  # no file plan yet: format only
