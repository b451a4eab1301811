"""Transfers of inactive records to the records unit and handovers of permanent records to the
static archive: who may list what, the lists as PDF and CSV, receipt and the berita acara."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed
from pypdf import PdfReader

from archive.choices import RecordState, TransferKind, TransferState
from archive.models import Record, Transfer
from archive.services import transfers

from .disposal_helpers import inactive, permanent
from .helpers import archive_setup, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    archive_setup(world)
    return world


def _text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_transfer_lists_inactive_records_as_pdf_and_csv_and_receipt_moves_them(setup):
    w = setup
    # GIVEN two inactive records of Kominfo, one on paper in a box
    a = inactive(w, title="Laporan kegiatan 2015", number="000.1/12/2015")
    b = inactive(
        w,
        title="Notulen rapat",
        medium="paper",
        location={"building": "Kantor Kominfo", "box": "B-07", "folder": "F-2"},
    )
    # WHEN the archivist lists them for transfer to the records unit
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[a, b], by=w.archivist
    )
    assert (t.kind, t.to_unit, t.number) == (TransferKind.TRANSFER, w.units["dispusip"], 1)
    # THEN the PDF opens and lists the codes, titles and boxes
    text = _text(transfers.transfer_list_pdf(t))
    assert "DAFTAR ARSIP INAKTIF YANG DIPINDAHKAN" in text
    assert "000.1" in text and "Laporan kegiatan 2015" in text and "B-07" in text
    assert "Halaman 1" in text and "PEMERINTAH" in text.upper()
    # AND the CSV has the agreed columns, one row per record
    rows = list(csv.DictReader(io.StringIO(transfers.transfer_list_csv(t))))
    assert list(rows[0]) == transfers.CSV_COLUMNS
    assert {r["number"] for r in rows} == {"000.1/12/2015", ""}
    paper = next(r for r in rows if r["medium"] == "paper")
    assert (paper["box"], paper["folder"], paper["code"]) == ("B-07", "F-2", "000.1")
    # WHEN it is sent and received with the new place THEN the records' place changes
    transfers.transfer_send(transfer=t, by=w.archivist)
    transfers.transfer_receive(
        transfer=t, by=w.archivist, place={"building": "Depo Arsip Dispusip", "shelf": "R-3"}
    )
    t = Transfer.objects.get(pk=t.pk)
    assert t.state == TransferState.RECEIVED and t.received_by == w.archivist
    assert Record.objects.get(pk=b.pk).location == "Depo Arsip Dispusip / R-3 / B-07 / F-2"
    # AND the same records cannot be listed again
    with pytest.raises(ValidationError):
        transfers.transfer_create(
            tenant=w.tenant, from_unit=w.units["kominfo"], records=[a], by=w.archivist
        )


def test_only_inactive_records_of_the_unit_can_be_transferred(setup):
    w = setup
    active = record(w)
    with pytest.raises(ValidationError, match="not inactive"):
        transfers.transfer_create(
            tenant=w.tenant, from_unit=w.units["kominfo"], records=[active], by=w.archivist
        )
    old = inactive(w, unit="bappeda")
    with pytest.raises(ValidationError, match="another unit"):
        transfers.transfer_create(
            tenant=w.tenant, from_unit=w.units["kominfo"], records=[old], by=w.archivist
        )


@pytest.mark.parametrize("who", ["drafter", "head", "sekda", "foreigner"])
def test_others_may_not_list_records_for_transfer(setup, who):
    w = setup
    old = inactive(w)
    with pytest.raises(PermissionDenied):
        transfers.transfer_create(
            tenant=w.tenant, from_unit=w.units["kominfo"], records=[old], by=w.users[who]
        )


def test_handover_of_permanent_records_files_its_berita_acara(setup):
    w = setup
    # GIVEN a permanent record (kept forever by the file plan) and an inactive one
    kept = permanent(w, title="Peraturan Wali Kota", number="000.7/1/2015")
    assert kept.state == RecordState.PERMANENT
    other = inactive(w)
    # WHEN an inactive record is handed over THEN it is refused
    with pytest.raises(ValidationError, match="not a permanent record"):
        transfers.handover_create(tenant=w.tenant, records=[other], by=w.archivist)
    # WHEN the permanent one is handed over, sent and received
    h = transfers.handover_create(tenant=w.tenant, records=[kept], by=w.archivist)
    assert h.receiver.startswith("Dinas Perpustakaan dan Kearsipan Provinsi")
    text = _text(transfers.transfer_list_pdf(h))
    assert "DAFTAR ARSIP STATIS YANG DISERAHKAN" in text and "000.7" in text
    transfers.transfer_send(transfer=h, by=w.archivist)
    with pytest.raises(TransitionNotAllowed):
        transfers.transfer_send(transfer=h, by=w.archivist)
    transfers.transfer_receive(transfer=h, by=w.archivist)
    # THEN its berita acara penyerahan is filed as a permanent record and lists the record
    h = Transfer.objects.get(pk=h.pk)
    assert h.report.state == RecordState.PERMANENT
    with h.report.files.get().file.open("rb") as fh:
        report = _text(fh.read())
    assert "BERITA ACARA PENYERAHAN ARSIP STATIS" in report
    assert "Peraturan Wali Kota" in report and "Provinsi Sumatera Utara" in report


def test_a_drafter_may_not_hand_over_or_receive(setup):
    w = setup
    kept = permanent(w)
    with pytest.raises(PermissionDenied):
        transfers.handover_create(tenant=w.tenant, records=[kept], by=w.drafter)
    h = transfers.handover_create(tenant=w.tenant, records=[kept], by=w.archivist)
    transfers.transfer_send(transfer=h, by=w.archivist)
    with pytest.raises(PermissionDenied):
        transfers.transfer_receive(transfer=h, by=w.drafter)
