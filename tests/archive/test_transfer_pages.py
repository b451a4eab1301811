"""The pages of transfers (pemindahan), handovers (penyerahan) and the ZIP export: the whole
flow through HTTP, refusals on the form, repeated submits, downloads and who reaches what."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from archive.choices import TransferKind, TransferState
from archive.models import DisposalProposal, Record, RecordFile, Transfer
from archive.services import disposal, transfers
from archive.views.transfers import ALREADY
from organizations.choices import RoleKind
from organizations.services import role_grant
from tests.conftest import client_for
from workflows.selectors import transition_log_for

from .disposal_helpers import OLD, inactive, permanent
from .helpers import archive_setup, code, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    """GIVEN the Medan file plan with its records unit (Dispusip, whose archivist covers the
    whole plan), two inactive Kominfo records (one on paper in a box) and a record of the
    Tangerang tenant."""
    archive_setup(world)
    w = world
    w.a = inactive(w, title="Laporan kegiatan 2015", number="000.1/12/2015")
    w.b = inactive(
        w,
        title="Notulen rapat",
        medium="paper",
        location={"building": "Kantor Kominfo", "box": "B-07", "folder": "F-2"},
    )
    role_grant(user=w.users["foreign_admin"], kind=RoleKind.RECORDS_OFFICER)
    w.foreign = record(
        w,
        title="Arsip Tangerang",
        unit="t_kominfo",
        tenant=w.other_tenant,
        by=w.users["foreign_admin"],
    )
    return w


def inactive_many(w, n: int) -> list[Record]:
    """`n` inactive Kominfo records made by one sweep (faster than `inactive` n times)."""
    made = [record(w, title=f"Berkas {i}", document_date=OLD) for i in range(n)]
    disposal.retention_sweep()
    for p in DisposalProposal.objects.filter(state="draft"):
        disposal.proposal_cancel(proposal=p, by=w.archivist)
    return list(Record.objects.filter(pk__in=[r.pk for r in made]))


def new_url() -> str:
    return reverse("archive:transfer-new")


def create_post(w, *records, **extra) -> dict:
    return {
        "kind": TransferKind.TRANSFER,
        "unit": w.units["kominfo"].pk,
        "record": [r.pk for r in records],
        **extra,
    }


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def said(msgid: str, **values) -> str:
    """A message as the pages show it (Indonesian by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(msgid)
    return text % values if values else text


def form_errors(response) -> list[str]:
    return [e for errors in response.context["form"].errors.values() for e in errors]


def page_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- the whole flow ---


def test_transfer_is_made_sent_and_received_through_the_pages(setup):
    w = setup
    archivist = client_for(w.archivist)
    # GIVEN the form for Kominfo offers its two inactive records, not an active one
    active = record(w, title="Arsip masih aktif")
    form = archivist.get(new_url(), {"unit": w.units["kominfo"].pk})
    offered = {r.pk for r in form.context["candidates"]}
    assert form.status_code == 200 and offered == {w.a.pk, w.b.pk}
    assert active.pk not in offered and 'data-testid="candidate"' in form.content.decode()
    # WHEN the archivist lists both
    r = archivist.post(new_url(), create_post(w, w.a, w.b, note="Boks 1-2"))
    t = Transfer.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("archive:transfer", args=[t.pk])
    assert (t.kind, t.state, t.from_unit, t.note) == (
        TransferKind.TRANSFER,
        TransferState.DRAFT,
        w.units["kominfo"],
        "Boks 1-2",
    )
    assert set(t.records.values_list("pk", flat=True)) == {w.a.pk, w.b.pk}
    # THEN the page lists the records with their code, box and place
    page = archivist.get(r["Location"]).content.decode()
    assert "Laporan kegiatan 2015" in page and "000.1" in page and "B-07" in page
    assert 'data-testid="send"' in page and 'data-testid="receive"' not in page
    # AND the PDF and CSV are attachments named after the list's number
    pdf = archivist.get(reverse("archive:transfer-pdf", args=[t.pk]))
    number = transfers.list_number(t).replace("/", "-")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    assert "Laporan kegiatan 2015" in pdf_text(pdf.content)
    got = archivist.get(reverse("archive:transfer-csv", args=[t.pk]))
    assert (
        got["Content-Disposition"].startswith("attachment;")
        and ".csv" in got["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert list(rows[0]) == transfers.CSV_COLUMNS and len(rows) == 2
    assert {row["code"] for row in rows} == {"000.1"}
    # WHEN it is sent, then received with the records' new place
    act = "archive:transfer-action"
    assert archivist.post(reverse(act, args=[t.pk, "send"])).status_code == 302
    page = archivist.get(reverse("archive:transfer", args=[t.pk])).content.decode()
    assert 'data-testid="receive-form"' in page and 'name="shelf"' in page
    r = archivist.post(
        reverse(act, args=[t.pk, "receive"]),
        {"building": "Depo Arsip Dispusip", "room": "Ruang 2", "shelf": "R-3"},
    )
    assert r.status_code == 302
    # THEN the list is received and the records' place is the records centre's
    t = Transfer.objects.get(pk=t.pk)
    assert t.state == TransferState.RECEIVED and t.received_by == w.archivist
    assert Record.objects.get(pk=w.b.pk).location == (
        "Depo Arsip Dispusip / Ruang 2 / R-3 / B-07 / F-2"
    )
    assert Record.objects.get(pk=w.a.pk).location == "Depo Arsip Dispusip / Ruang 2 / R-3"
    page = archivist.get(reverse("archive:transfer", args=[t.pk])).content.decode()
    assert "transfer.received" in page and 'data-testid="send"' not in page
    listed = archivist.get(reverse("archive:transfers")).content.decode()
    assert transfers.list_number(t) in listed


def test_handover_of_permanent_records_through_the_pages(setup):
    w = setup
    kept = permanent(w, title="Peraturan Wali Kota", number="000.7/1/2015")
    archivist = client_for(w.archivist)
    # GIVEN the handover form offers the permanent record, not the inactive ones
    form = archivist.get(new_url(), {"kind": TransferKind.HANDOVER})
    offered = {r.pk for r in form.context["candidates"]}
    assert kept.pk in offered and not offered & {w.a.pk, w.b.pk}
    # WHEN it is listed, sent and received
    r = archivist.post(new_url(), {"kind": TransferKind.HANDOVER, "record": [kept.pk]})
    h = Transfer.objects.get(kind=TransferKind.HANDOVER)
    assert r.status_code == 302 and h.receiver.startswith("Dinas Perpustakaan")
    act = "archive:transfer-action"
    archivist.post(reverse(act, args=[h.pk, "send"]))
    archivist.post(reverse(act, args=[h.pk, "receive"]))
    # THEN its berita acara is filed and the PDF download is the berita acara
    h = Transfer.objects.get(pk=h.pk)
    assert h.state == TransferState.RECEIVED and h.report is not None
    pdf = archivist.get(reverse("archive:transfer-pdf", args=[h.pk]))
    name = transfers.handover_number(h).replace("/", "-")
    assert pdf["Content-Disposition"] == f'attachment; filename="{name}.pdf"'
    text = pdf_text(pdf.content)
    assert "BERITA ACARA PENYERAHAN ARSIP STATIS" in text and "Peraturan Wali Kota" in text
    page = archivist.get(reverse("archive:transfer", args=[h.pk])).content.decode()
    assert 'data-testid="report"' in page


def test_only_records_unit_archivists_are_offered_a_handover(setup):
    w = setup
    # GIVEN a Kominfo clerk made records officer of Kominfo, whose code 000.1 names Kominfo
    role_grant(user=w.clerk, kind=RoleKind.RECORDS_OFFICER, unit=w.units["kominfo"])
    code(w, "000.1").units.add(w.units["kominfo"])
    kept = permanent(w)
    officer = client_for(w.clerk)
    form = officer.get(new_url())
    assert form.status_code == 200
    assert [c for c, _label in form.context["form"].fields["kind"].choices] == ["transfer"]
    assert list(form.context["units"]) == [w.units["kominfo"]]
    assert {r.pk for r in form.context["candidates"]} == {w.a.pk, w.b.pk}
    # WHEN the officer posts a handover anyway THEN it is a form error and nothing is saved
    r = officer.post(new_url(), {"kind": TransferKind.HANDOVER, "record": [kept.pk]})
    assert r.status_code == 200 and r.context["form"].errors
    assert not Transfer.objects.exists()


# --- repeated submits ---


def test_a_double_submit_makes_one_list(setup):
    w = setup
    archivist = client_for(w.archivist)
    first = archivist.post(new_url(), create_post(w, w.a))
    again = archivist.post(new_url(), create_post(w, w.a))
    assert first.status_code == 302 and again.status_code == 200
    assert form_errors(again) == [said("Some of these records are already in another list.")]
    assert 'data-testid="form-errors"' in again.content.decode()
    assert Transfer.objects.count() == 1


def test_a_double_send_changes_nothing_the_second_time(setup):
    w = setup
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a], by=w.archivist
    )
    archivist = client_for(w.archivist)
    url = reverse("archive:transfer-action", args=[t.pk, "send"])
    archivist.post(url)
    t = Transfer.objects.get(pk=t.pk)
    sent_at, logged = t.sent_at, transition_log_for(t).count()
    again = archivist.post(url, follow=True)
    t = Transfer.objects.get(pk=t.pk)
    assert again.status_code == 200 and said(str(ALREADY)) in page_messages(again)
    assert (t.state, t.sent_at, transition_log_for(t).count()) == (
        TransferState.SENT,
        sent_at,
        logged,
    )


def test_a_cancelled_list_frees_its_records(setup):
    w = setup
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a], by=w.archivist
    )
    archivist = client_for(w.archivist)
    url = reverse("archive:transfer-action", args=[t.pk, "cancel"])
    assert archivist.post(url).status_code == 302
    again = archivist.post(url, follow=True)
    assert said(str(ALREADY)) in page_messages(again)
    assert Transfer.objects.get(pk=t.pk).state == TransferState.CANCELLED
    form = archivist.get(new_url(), {"unit": w.units["kominfo"].pk})
    assert w.a.pk in {r.pk for r in form.context["candidates"]}


def test_unknown_action_is_a_404(setup):
    w = setup
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a], by=w.archivist
    )
    url = reverse("archive:transfer-action", args=[t.pk, "destroy"])
    assert client_for(w.archivist).post(url).status_code == 404
    assert (
        client_for(w.archivist)
        .get(reverse("archive:transfer-action", args=[t.pk, "send"]))
        .status_code
        == 405
    )


# --- bad input: an error on the form, nothing saved ---


@pytest.mark.parametrize("case", ["none", "foreign", "other_unit", "garbage", "no_unit"])
def test_bad_choices_come_back_on_the_form(setup, case):
    w = setup
    other = inactive(w, title="Arsip Bappeda", unit="bappeda")
    data = {
        "none": create_post(w),
        "foreign": create_post(w, w.a, w.foreign),
        "other_unit": create_post(w, w.a, other),
        "garbage": create_post(w) | {"record": ["abc"]},
        "no_unit": create_post(w, w.a) | {"unit": ""},
    }[case]
    expected = {
        "none": said("Choose at least one record."),
        "foreign": said("Some of the chosen records were not found."),
        "other_unit": said("%(record)s was created by another unit.", record=other),
        "garbage": said("Choose records from the list."),
        "no_unit": said("Choose the creating unit."),
    }[case]
    r = client_for(w.archivist).post(new_url(), data)
    assert r.status_code == 200
    assert expected in form_errors(r)
    assert not Transfer.objects.exists()
    if case in ("foreign", "other_unit"):  # the ticked boxes stay ticked
        assert f'value="{w.a.pk}" id="record-{w.a.pk}" checked' in r.content.decode()


def test_the_form_filters_by_classification(setup):
    w = setup
    other_code = inactive(w, title="Arsip 000.7", classification="000.7")
    archivist = client_for(w.archivist)
    unit = w.units["kominfo"].pk
    narrowed = archivist.get(new_url(), {"unit": unit, "classification": "000.7"})
    assert [r.pk for r in narrowed.context["candidates"]] == [other_code.pk]
    assert not narrowed.context["capped"]


# --- export ---


def test_export_zip_holds_the_files_their_hashes_and_the_metadata(setup):
    w = setup
    r = client_for(w.archivist).post(
        reverse("archive:export"), {"record": [w.a.pk, w.b.pk, w.foreign.pk, "x"]}
    )
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert r["Content-Disposition"].startswith("attachment;")
    zf = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    names = zf.namelist()
    assert {"manifest.csv", "manifest.json"} <= set(names)
    files = RecordFile.objects.filter(record=w.a)
    assert files.exists()
    for f in files:
        path = next(n for n in names if n.startswith(f"files/{w.a.pk}/{f.pk}-"))
        assert hashlib.sha256(zf.read(path)).hexdigest() == f.sha256
    assert not any(n.startswith(f"files/{w.foreign.pk}/") for n in names)
    meta = json.loads(zf.read("manifest.json"))
    assert {m["record_id"] for m in meta["records"]} == {w.a.pk, w.b.pk}


@pytest.mark.parametrize("case", ["foreign_only", "none", "too_many"])
def test_export_refusals_are_messages(setup, case):
    w = setup
    data = {
        "foreign_only": {"record": [w.foreign.pk]},
        "none": {},
        "too_many": {"record": [str(i) for i in range(1, 502)]},
    }[case]
    back = reverse("archive:transfers")
    r = client_for(w.archivist).post(reverse("archive:export"), data | {"next": back})
    assert r.status_code == 302 and r["Location"] == back
    r = client_for(w.archivist).post(reverse("archive:export"), data | {"next": back}, follow=True)
    text = page_messages(r)
    expected = {
        "foreign_only": said("None of these records can be exported."),
        "none": said("Choose at least one record."),
        "too_many": said("Export at most %(n)s records at a time.", n=500),
    }[case]
    assert expected in text


def test_export_ignores_an_outside_next(setup):
    r = client_for(setup.archivist).post(
        reverse("archive:export"), {"next": "https://evil.example/"}
    )
    assert r.status_code == 302 and r["Location"] == reverse("archive:records")


# --- who reaches what ---

ROUTES = ["transfers", "transfer-new", "transfer", "transfer-pdf", "transfer-csv", "export", "send"]
EXPECTED = {
    # Kominfo's people may open Kominfo's records, so they may export them.
    "archivist": [200, 200, 200, 200, 200, 200, 302],
    "head": [200, 302, 404, 404, 404, 200, 404],
    "drafter": [200, 302, 404, 404, 404, 200, 404],
    "clerk": [200, 302, 404, 404, 404, 200, 404],
    "foreigner": [200, 302, 404, 404, 404, 302, 404],
}


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_who_reaches_which_page(setup, persona):
    w = setup
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a], by=w.archivist
    )
    client = client_for(getattr(w, persona))
    got = {}
    for route in ROUTES:  # "send" last: it is the one that changes the list
        if route == "send":
            r = client.post(reverse("archive:transfer-action", args=[t.pk, "send"]))
        elif route == "export":
            r = client.post(reverse("archive:export"), {"record": [w.a.pk]})
        elif route in ("transfer", "transfer-pdf", "transfer-csv"):
            r = client.get(reverse(f"archive:{route}", args=[t.pk]))
        else:
            r = client.get(reverse(f"archive:{route}"))
        got[route] = r.status_code
    assert got == dict(zip(ROUTES, EXPECTED[persona], strict=True))
    t = Transfer.objects.get(pk=t.pk)
    assert t.state == (TransferState.SENT if persona == "archivist" else TransferState.DRAFT)


def test_the_list_shows_only_what_the_user_may_open(setup):
    w = setup
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a], by=w.archivist
    )
    number = transfers.list_number(t)
    assert number in client_for(w.archivist).get(reverse("archive:transfers")).content.decode()
    for user in (w.head, w.drafter, w.foreigner):
        page = client_for(user).get(reverse("archive:transfers"))
        assert list(page.context["page"]) == [], user
    handovers = client_for(w.archivist).get(reverse("archive:transfers"), {"kind": "handover"})
    assert list(handovers.context["page"]) == []


def test_an_archivist_of_some_codes_sees_the_lists_of_those_codes_only(setup):
    w = setup
    # GIVEN a Kominfo records officer whose only code is 000.1, and two lists by the records
    # unit: one of 000.1 records, one that also holds a 000.7 record
    role_grant(user=w.clerk, kind=RoleKind.RECORDS_OFFICER, unit=w.units["kominfo"])
    code(w, "000.1").units.add(w.units["kominfo"])
    other = inactive(w, title="Arsip 000.7", classification="000.7")
    mine = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a], by=w.archivist
    )
    mixed = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.b, other], by=w.archivist
    )
    officer = client_for(w.clerk)
    # THEN the list and the pages agree with can_view_transfer
    listed = officer.get(reverse("archive:transfers")).context["page"]
    assert [t.pk for t in listed] == [mine.pk]
    assert officer.get(reverse("archive:transfer", args=[mine.pk])).status_code == 200
    assert officer.get(reverse("archive:transfer", args=[mixed.pk])).status_code == 404
    # AND seeing is not managing: sending is refused with a message
    r = officer.post(reverse("archive:transfer-action", args=[mine.pk, "send"]), follow=True)
    assert said("You may not do that.") in page_messages(r)
    assert Transfer.objects.get(pk=mine.pk).state == TransferState.DRAFT


# --- queries ---


def test_transfer_page_queries_do_not_grow_with_its_records(setup):
    w = setup
    archivist = client_for(w.archivist)
    small = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=[w.a, w.b], by=w.archivist
    )
    big = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=inactive_many(w, 20), by=w.archivist
    )
    counts = []
    for t in (small, big):
        url = reverse("archive:transfer", args=[t.pk])
        archivist.get(url)  # warm: session, tenant and content-type caches
        with CaptureQueriesContext(connection) as queries:
            assert archivist.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20, counts
