"""The transfer lists and the berita acara penyerahan signed by the official responsible on the
giving side (issue 25, item 5): when a list is received, the transfer's list (daftar arsip
inaktif yang dipindahkan) or the handover's berita acara penyerahan with its list is filed as
a permanent record naming the head of the unit handing over, who signs it from the list's page
with their signing passphrase (PAdES B-LTA); nobody else may sign it, a wrong passphrase
changes nothing, a second signature is refused, and the signed file keeps the filed one as its
first revision, byte for byte."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from pypdf import PdfReader

from archive.choices import RecordState, TransferKind
from archive.models import RecordFile, Transfer
from archive.permissions import can_sign_transfer_report
from archive.services import transfers
from correspondence import signing
from organizations.models import Assignment
from organizations.services import assignment_end
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.pdfa import assert_pdfa
from workflows.selectors import transition_log_for

from .disposal_helpers import inactive, permanent
from .helpers import archive_setup
from .signatures import pyhanko_passes

pytestmark = pytest.mark.django_db

# Who signs each kind: the head of the unit handing over (Kominfo for the transfer of its
# inactive records; the records unit, Dispusip, for the handover to the static archive).
SIGNER = {TransferKind.TRANSFER: "head", TransferKind.HANDOVER: "dispusip_head"}
# Everyone else, for each kind: the archivist who received it, a head under the giving one,
# the Sekda, the tenant's administrator, the other kind's signer, a user of another tenant.
OTHERS = [
    (kind, who)
    for kind in SIGNER
    for who in ["archivist", "reviewer2", "sekda", "tenant_admin", "foreigner"]
    + [s for k, s in SIGNER.items() if k != kind]
]
KINDS = list(SIGNER)


def _received(w, kind: str) -> Transfer:
    """A list of `kind` made, sent and received by the records unit's archivist."""
    if kind == TransferKind.TRANSFER:
        records = [
            inactive(w, title="Laporan kegiatan 2015", number="000.1/12/2015"),
            inactive(w, title="Notulen rapat", medium="paper"),
        ]
        t = transfers.transfer_create(
            tenant=w.tenant, from_unit=w.units["kominfo"], records=records, by=w.archivist
        )
    else:
        kept = permanent(w, title="Peraturan Wali Kota", number="000.7/1/2015")
        t = transfers.handover_create(tenant=w.tenant, records=[kept], by=w.archivist)
    transfers.transfer_send(transfer=t, by=w.archivist)
    transfers.transfer_receive(transfer=t, by=w.archivist)
    return Transfer.objects.get(pk=t.pk)


@pytest.fixture(params=KINDS)
def received(request, world) -> Transfer:
    """GIVEN a transfer (or a handover) received by the archivist: its list (or berita acara)
    is filed and waits for the signature of the giving unit's head."""
    archive_setup(world)
    return _received(world, request.param)


def _signer(w, transfer):
    return w.users[SIGNER[transfer.kind]]


def _file(transfer) -> RecordFile:
    return RecordFile.objects.get(record_id=transfer.report_id)


def _bytes(transfer) -> bytes:
    with _file(transfer).file.open("rb") as fh:
        return fh.read()


def _text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _sign(transfer, user, passphrase=PASSWORD, *, second_factor=True):
    return transfers.transfer_report_sign(
        transfer=transfer, by=user, passphrase=passphrase, second_factor=second_factor
    )


def page(user, *, verified=True):
    client = client_for(user, verified=verified)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def view(user, transfer) -> str:
    return page(user).get(reverse("archive:transfer", args=[transfer.pk])).content.decode()


def post(client, transfer, data):
    r = client.post(reverse("archive:transfer-action", args=[transfer.pk, "sign-report"]), data)
    shown = []
    if r.status_code == 302:
        shown = [(m.level_tag, str(m)) for m in client.get(r["Location"]).context["messages"]]
    return r, shown


def _unchanged(transfer, before: bytes) -> None:
    transfer = Transfer.objects.get(pk=transfer.pk)
    assert transfer.report_signed_at is None
    assert _bytes(transfer) == before and _file(transfer).sha256 == signing.sha256(before)
    action = f"{transfer.kind}.report_signed"
    assert not transition_log_for(transfer).filter(action=action).exists()


def test_receipt_files_the_list_waiting_for_the_giving_heads_signature(world, received):
    signer = _signer(world, received)
    # THEN the giving unit's head is named as its signer, and the filed PDF is a permanent
    # record, PDF/A, not yet signed, and says who signs it
    assert received.report_signer == signer and received.report_signed_at is None
    assert received.report.state == RecordState.PERMANENT
    data = _bytes(received)
    assert_pdfa(data, 2)
    assert signing.pdf_validate(data, tenant=world.tenant).signatures == []
    text = " ".join(_text(data).split())
    assert f"ditandatangani secara elektronik oleh {signer.display_name}" in text
    heading = (
        "BERITA ACARA PENYERAHAN ARSIP STATIS"
        if received.kind == TransferKind.HANDOVER
        else "DAFTAR ARSIP INAKTIF YANG DIPINDAHKAN"
    )
    assert heading in text
    assert can_sign_transfer_report(signer, received)
    # ... the signer now finds the list, and its page offers the form to them alone
    assert received in page(signer).get(reverse("archive:transfers")).context["page"]
    body = view(signer, received)
    assert 'data-testid="report-unsigned"' in body and 'data-testid="sign-report"' in body
    body = view(world.archivist, received)
    assert 'data-testid="report-unsigned"' in body and 'data-testid="sign-report"' not in body
    # ... and the list's download is the filed file
    r = page(signer).get(reverse("archive:transfer-pdf", args=[received.pk]))
    assert r.status_code == 200 and r.content == data


def test_the_giving_head_signs_it_from_the_page(
    world, received, django_capture_on_commit_callbacks
):
    signer = _signer(world, received)
    filed, filed_sha = _bytes(received), _file(received).sha256
    old_name = _file(received).file.name
    # WHEN the head types their signing passphrase on the list's page
    with django_capture_on_commit_callbacks(execute=True):
        r, shown = post(page(signer), received, {"passphrase": PASSWORD})
    said = (
        "The berita acara is signed."
        if received.kind == TransferKind.HANDOVER
        else "The list is signed."
    )
    assert r.status_code == 302 and shown == [("success", said)]
    # THEN the record's file is the signed PDF: valid, signed by the head, still PDF/A
    received = Transfer.objects.get(pk=received.pk)
    assert received.report_signed_at is not None
    row = _file(received)
    data = _bytes(received)
    check = signing.pdf_validate(data, tenant=world.tenant)
    assert check.valid and [s.signer for s in check.signatures] == [signer.display_name[:64]]
    assert check.signatures[0].long_term
    assert pyhanko_passes(data, world.tenant) == signer.display_name[:64]
    assert_pdfa(data, 2, signed=True)
    # ... whose first revision is the filed file, byte for byte; the hash follows the file
    assert data.startswith(filed) and row.sha256 == signing.sha256(data) != filed_sha
    assert row.size == len(data) and not row.file.storage.exists(old_name)
    # ... the audit chains say so: the record's keeps the filed hash and length
    [signed_row] = transition_log_for(row.record).filter(action="record.signed")
    assert signed_row.actor == signer
    assert (signed_row.source, signed_row.target) == (filed_sha, row.sha256)
    assert f"first {len(filed)} bytes" in signed_row.note
    action = f"{received.kind}.report_signed"
    assert transition_log_for(received).filter(action=action, actor=signer).exists()
    # ... the page shows the signed state with no form left, and the download is signed
    body = view(signer, received)
    assert 'data-testid="report-signed"' in body and 'data-testid="sign-report"' not in body
    r = page(world.archivist).get(reverse("archive:transfer-pdf", args=[received.pk]))
    assert r.content == data


@pytest.mark.parametrize(("kind", "who"), OTHERS)
def test_nobody_else_may_sign_it(world, kind, who):
    archive_setup(world)
    transfer = _received(world, kind)
    before = _bytes(transfer)
    user = world.users[who]
    assert not can_sign_transfer_report(user, transfer)
    with pytest.raises(PermissionDenied):
        _sign(transfer, user)
    _unchanged(transfer, before)


@pytest.mark.parametrize(
    ("kind", "who", "status"),
    [
        (TransferKind.TRANSFER, "archivist", 302),  # sees the list: told "you may not"
        (TransferKind.TRANSFER, "dispusip_head", 404),  # not named on it: the list is hidden
        (TransferKind.TRANSFER, "foreigner", 404),
        (TransferKind.HANDOVER, "archivist", 302),
        (TransferKind.HANDOVER, "head", 404),
        (TransferKind.HANDOVER, "foreigner", 404),
    ],
)
def test_nobody_else_may_sign_it_through_the_page(world, kind, who, status):
    archive_setup(world)
    transfer = _received(world, kind)
    before = _bytes(transfer)
    user = world.users[who]
    if status == 302:
        assert 'data-testid="sign-report"' not in view(user, transfer)
    r, shown = post(page(user), transfer, {"passphrase": PASSWORD})
    assert r.status_code == status
    if status == 302:
        assert shown == [("error", "You may not do that.")]
    _unchanged(transfer, before)


def test_a_wrong_passphrase_leaves_it_unsigned_and_counts_toward_the_lockout(world, received):
    signer = _signer(world, received)
    before = _bytes(received)
    client = page(signer)
    r, shown = post(client, received, {"passphrase": "salah-salah-salah"})
    assert r.status_code == 302 and [level for level, _t in shown] == ["error"]
    _unchanged(received, before)
    with pytest.raises(ValidationError) as err:
        _sign(received, signer, "salah-salah-salah")
    assert err.value.error_dict["passphrase"][0].code == signing.WRONG_PASSPHRASE
    _unchanged(received, before)
    for _ in range(6):
        post(client, received, {"passphrase": "salah-salah-salah"})
    _r, shown = post(client, received, {"passphrase": PASSWORD})
    assert [level for level, _t in shown] == ["error"]  # locked out: even the right one
    _unchanged(received, before)


def test_signing_needs_a_second_factor(world, received):
    signer = _signer(world, received)
    before = _bytes(received)
    with pytest.raises(PermissionDenied):
        _sign(received, signer, second_factor=False)
    # A signer's unverified session is sent to the second step before the page or the form
    client = page(signer, verified=False)
    url = reverse("archive:transfer-action", args=[received.pk, "sign-report"])
    r = client.post(url, {"passphrase": PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/account/two-step/")
    _unchanged(received, before)


def test_a_second_signature_is_refused(world, received):
    signer = _signer(world, received)
    client = page(signer)
    post(client, received, {"passphrase": PASSWORD})
    signed = _bytes(received)
    # WHEN the same form is sent again (a double click, another tab)
    r, shown = post(client, received, {"passphrase": PASSWORD})
    # THEN it is a conflict told on the page, and the file is the one signed first
    assert r.status_code == 302 and [level for level, _t in shown] == ["warning"]
    with pytest.raises(TransitionNotAllowed):
        _sign(Transfer.objects.get(pk=received.pk), signer)
    assert _bytes(received) == signed
    action = f"{received.kind}.report_signed"
    assert transition_log_for(received).filter(action=action).count() == 1


# --- the page in each state ---


def _vacate(w, key: str) -> None:
    """The post `key` is left vacant from yesterday (its holder moved on)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for a in Assignment.objects.filter(position=w.positions[key], end_date__isnull=True):
        assignment_end(assignment=a, end_date=yesterday)


@pytest.mark.parametrize(
    ("moment", "shown", "form"),
    [
        ("sent", None, False),  # not received: nothing filed, nobody named yet
        ("received", "report-unsigned", True),
        ("signed", "report-signed", False),
        ("filed_before_signatures", "report-no-signer", False),  # nobody named
    ],
)
def test_the_page_in_each_state(world, moment, shown, form):
    archive_setup(world)
    w, head = world, world.users["head"]
    records = [inactive(w, title="Laporan kegiatan 2015")]
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["kominfo"], records=records, by=w.archivist
    )
    transfers.transfer_send(transfer=t, by=w.archivist)
    if moment != "sent":
        transfers.transfer_receive(transfer=t, by=w.archivist)
    if moment == "signed":
        _sign(Transfer.objects.get(pk=t.pk), head)
    if moment == "filed_before_signatures":  # a list filed before lists were signed
        Transfer.objects.filter(pk=t.pk).update(report_signer=None)
    t = Transfer.objects.get(pk=t.pk)
    assert can_sign_transfer_report(head, t) is form
    # THEN the head reaches the page only while named on it, with the form only to sign
    r = page(head).get(reverse("archive:transfer", args=[t.pk]))
    if t.report_signer_id != head.pk:
        assert r.status_code == 404
    else:
        body = r.content.decode()
        assert f'data-testid="{shown}"' in body
        assert ('data-testid="sign-report"' in body) is form
    # ... and the archivist sees the same state, never the form
    archivist = view(w.archivist, t)
    assert 'data-testid="sign-report"' not in archivist
    for state in ("report-unsigned", "report-signed", "report-no-signer"):
        assert (f'data-testid="{state}"' in archivist) is (state == shown)


def test_a_vacant_head_post_passes_to_the_nearest_head_above(world):
    # GIVEN inactive records of Bidang TIK, whose head post is vacant
    archive_setup(world)
    w = world
    _vacate(w, "kabid_tik")
    records = [inactive(w, unit="bid_tik", title="Kajian jaringan 2015")]
    t = transfers.transfer_create(
        tenant=w.tenant, from_unit=w.units["bid_tik"], records=records, by=w.archivist
    )
    transfers.transfer_send(transfer=t, by=w.archivist)
    transfers.transfer_receive(transfer=t, by=w.archivist)
    # THEN the head of Kominfo above it is named, and signs
    t = Transfer.objects.get(pk=t.pk)
    assert t.report_signer == w.users["head"]
    assert not can_sign_transfer_report(w.users["reviewer2"], t)
    _sign(t, w.users["head"])
    assert signing.pdf_validate(_bytes(t), tenant=w.tenant).valid


def test_with_no_head_in_post_the_list_is_filed_unsigned(world):
    # GIVEN the head of Kominfo moved on (and the Wali Kota's post above is not held)
    archive_setup(world)
    w = world
    _vacate(w, "kadis_kominfo")
    t = _received(w, TransferKind.TRANSFER)
    # THEN the list is filed as a plain PDF/A naming no signer, and nobody can sign it
    assert t.report_id is not None and t.report_signer is None
    data = _bytes(t)
    assert_pdfa(data, 2)
    assert "secara elektronik" not in _text(data)
    assert not can_sign_transfer_report(w.users["head"], t)
    assert 'data-testid="report-no-signer"' in view(w.archivist, t)
