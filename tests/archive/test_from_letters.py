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
from archive.selectors import record_for_source
from correspondence import services as svc
from correspondence.archiving import letter_file
from correspondence.hooks import classification_known
from tests.conftest import client_for
from tests.correspondence.helpers import delivery_to, sent

from .helpers import archive_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    archive_setup(world)
    return world


def test_last_delivery_done_files_the_letter_with_all_its_parts(
    setup, django_capture_on_commit_callbacks
):
    # GIVEN a signed letter to two OPDs, with a disposition in one of them
    w = setup
    letter = sent(w, to=("bappeda", "dinkes"), classification_code="000.1")
    # (and the code has since been retired from the file plan)
    Classification.objects.filter(tenant=w.tenant, code="000.1").update(is_active=False)
    # WHEN both deliveries are finished
    heads = {"bappeda": w.bappeda_head, "dinkes": w.dinkes_head}
    for head in heads.values():
        svc.letter_opened(letter=letter, by=head)
    with django_capture_on_commit_callbacks(execute=True):
        svc.disposition_create(delivery=delivery_to(letter, w, "bappeda"), by=w.bappeda_head,
                               to_positions=[w.positions["perencana"]], instructions=["pelajari"],
                               note="Pelajari")  # fmt: skip
        svc.delivery_finish(delivery=delivery_to(letter, w, "bappeda"), by=heads["bappeda"])
        assert record_for_source(letter) is None  # one still open
    with django_capture_on_commit_callbacks(execute=True):
        svc.delivery_finish(delivery=delivery_to(letter, w, "dinkes"), by=heads["dinkes"])
    # THEN it is a record under the nearest known code, with every part
    record = record_for_source(letter)
    assert record is not None and record.state == RecordState.ACTIVE
    assert record.classification.code == "000"  # the nearest code still in the plan
    assert "000.1" in record.description
    assert record.number == letter.number and record.unit == w.units["kominfo"]
    kinds = sorted(record.files.values_list("kind", flat=True))
    assert kinds == sorted([FileKind.MAIN, FileKind.DISPOSITION, FileKind.AUDIT])
    main = record.files.get(kind=FileKind.MAIN)
    assert main.sha256 == letter.pdf_sha256
    sheet = record.files.get(kind=FileKind.DISPOSITION)
    assert "LEMBAR DISPOSISI" in PdfReader(sheet.file.open("rb")).pages[0].extract_text()
    audit = list(
        csv.reader(io.StringIO(record.files.get(kind=FileKind.AUDIT).file.read().decode()))
    )
    actions = [row[2] for row in audit[1:]]
    assert "letter.sent" in actions and "delivery.done" in actions
    assert record.thread_key == f"letter:{letter.pk}"


def test_filing_twice_makes_one_record(setup):
    w = setup
    letter = sent(w)
    first = letter_file(letter)
    assert letter_file(letter).pk == first.pk
    assert Record.objects.filter(source_id=letter.pk).count() == 1


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
    from archive.selectors import thread_case_file
    from archive.services import records

    w = setup
    first = sent(w, classification_code="000.1")
    record = letter_file(first)
    case = records.casefile_create(tenant=w.tenant, classification=record.classification,
                                   unit=record.unit, title="Permohonan data", by=w.archivist,
                                   thread_key=record.thread_key, records=[record])  # fmt: skip
    reply = sent(w, classification_code="000.1", reply_to=first)
    filed = letter_file(reply)
    assert filed.case_file == case  # the thread's open case file took it
    assert thread_case_file(filed) is None


@pytest.mark.parametrize(
    ("who", "sees"),
    [("drafter", True), ("head", True), ("bappeda_head", True), ("archivist", True),
     ("outsider", False), ("foreigner", False)],
)  # fmt: skip
def test_record_access_follows_the_letter(setup, who, sees):
    w = setup
    record = letter_file(sent(w, to=("bappeda",)))
    user = getattr(w, who)
    assert Record.objects.visible_to(user).filter(pk=record.pk).exists() is sees
    status = client_for(user).get(f"/archive/records/{record.pk}/").status_code
    assert status == (200 if sees else 404)


def test_classification_check_uses_the_file_plan(setup, world):
    assert classification_known(world.tenant, "000.1")
    assert not classification_known(world.tenant, "999.9")
    assert not classification_known(world.tenant, "abc")
    assert classification_known(world.wita_tenant, "999.9")  # no file plan yet: format only
