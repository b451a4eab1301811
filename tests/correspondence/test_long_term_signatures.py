"""Letters that stay valid for thirty years (issue 25): each signer signs at their own moment
with a key only their passphrase opens; every signature is PAdES B-LTA (a trusted timestamp,
the revocation data of its chain, a document timestamp) and is checked here with pyHanko's own
AdES engine, not the project's wrapper, years after the certificates expired."""

import datetime as dt
import io
import logging
import time

import pytest
from asn1crypto import pem
from cryptography import x509 as cx509
from cryptography.x509 import ocsp
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation.ades import ades_lta_validation, simulate_future_ades_lta_validation
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from core.pdfa import pdfa_problems
from correspondence import services as svc
from correspondence import signing
from correspondence.choices import LetterState
from correspondence.models import Letter, SignerCertificate

from ..conftest import client_for
from ..factories import PASSWORD
from .helpers import draft, sent, through_review

pytestmark = pytest.mark.django_db


def _roots(tmp_path, tenant):
    """The roots as an outsider gets them: exported by the command, read back from PEM."""
    call_command("export_trust_roots", tenant.slug, str(tmp_path / "roots"))
    certs = []
    for path in sorted((tmp_path / "roots").glob("*.pem")):
        _type, _headers, der = pem.unarmor(path.read_bytes())
        from asn1crypto import x509

        certs.append(x509.Certificate.load(der))
    return certs


def _spec(roots):
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )


def _signatures(data: bytes):
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [s for s in reader.embedded_signatures if s.sig_object.get("/Type") != "/DocTimeStamp"]


def _co_signed(world):
    letter = draft(world, code="berita_acara", subject="Berita acara serah terima aset")
    letter = svc.letter_submit(
        letter=letter,
        by=world.drafter,
        route=[world.positions["kasi_aptika"]],
        signers=[world.positions["kabid_tik"], world.positions["kadis_kominfo"]],
    )
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    letter = svc.letter_sign(letter=letter, by=world.reviewer2, passphrase=PASSWORD)
    first = Letter.objects.get(pk=letter.pk)
    time.sleep(1.2)  # the second signer acts later; the TSA's clock tells them apart
    return first, svc.letter_sign(letter=letter, by=world.head, passphrase=PASSWORD)


def test_two_signers_at_their_own_moments_validate_years_after_the_certificates_expired(
    world, tmp_path
):
    first, letter = _co_signed(world)
    # The first signature fixed the letter: numbered, rendered, certified, still approved.
    assert first.state == LetterState.APPROVED and first.number and first.pdf
    assert letter.state == LetterState.SIGNED and letter.number == first.number
    data = letter.pdf.open("rb").read()
    sigs = _signatures(data)
    assert [s.field_name for s in sigs] == ["TTE1", "TTE2"]
    assert sigs[0].sig_object["/Reference"][0]["/TransformMethod"] == "/DocMDP"  # certified
    spec = _spec(_roots(tmp_path, world.tenant))
    expiry = max(c.not_after for c in SignerCertificate.objects.filter(tenant=world.tenant))
    later = expiry + dt.timedelta(days=3 * 366)
    times = []
    for sig in sigs:
        now = signing.ltv.run_async(lambda sig=sig: ades_lta_validation(sig, spec))
        assert now.ades_subindic.status == AdESStatus.PASSED, now.ades_subindic
        future = signing.ltv.run_async(
            lambda sig=sig: simulate_future_ades_lta_validation(sig, spec, later)
        )
        assert future.ades_subindic.status == AdESStatus.PASSED, future.ades_subindic
        assert future.api_status.intact and future.api_status.valid
        times.append(now.signature_timestamp_status.api_status.timestamp)
    # Each signature carries its own signer's trusted time, in signing order.
    assert times[1] - times[0] >= dt.timedelta(seconds=1)
    names = [s.signer_cert.subject.native["common_name"] for s in sigs]
    assert names == [world.reviewer2.display_name[:64], world.head.display_name[:64]]
    check = signing.pdf_validate(data, tenant=world.tenant)
    assert check.valid and all(s.long_term for s in check.signatures)
    assert [s.signed_at for s in check.signatures] == times


def test_one_changed_byte_or_an_added_annotation_breaks_the_letter(world, tmp_path):
    _first, letter = _co_signed(world)
    data = letter.pdf.open("rb").read()
    roots = _roots(tmp_path, world.tenant)
    changed = bytearray(data)
    at = data.index(b"/Contents", 200) - 40  # inside the first signed revision
    changed[at] = changed[at] ^ 0x01
    assert not signing.pdf_validate(bytes(changed), tenant=world.tenant).valid
    # An incremental annotation after the last (locking) signature.
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    from pyhanko.pdf_utils import generic

    page = writer.root["/Pages"]["/Kids"][0].get_object()
    annot = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Text"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (10, 10, 50, 50)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("disetujui"),
            }
        )
    )
    page[generic.NameObject("/Annots")] = generic.ArrayObject([annot])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    tampered = out.getvalue()
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    for sig in _signatures(tampered):
        status = signing.ltv.run_async(lambda sig=sig: async_validate_pdf_signature(sig, context))
        assert status.intact  # the signed bytes are still there …
        assert not status.docmdp_ok  # … but the change after them is not allowed
    assert not signing.pdf_validate(tampered, tenant=world.tenant).valid


def test_a_wrong_or_missing_passphrase_signs_nothing_and_changes_nothing(world):
    letter = through_review(world, draft(world, subject="Undangan rapat koordinasi"))
    for phrase in ("", "wrong-passphrase-1"):
        with pytest.raises(signing.SigningError) as caught:
            svc.letter_sign(letter=letter, by=world.head, passphrase=phrase)
        assert caught.value.code == signing.WRONG_PASSPHRASE
        letter.refresh_from_db()
        assert letter.state == LetterState.APPROVED and not letter.number and not letter.pdf


def test_the_passphrase_is_never_stored_queued_or_logged(world, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Rahasia-Sekali-77"
    signing.certificate_issue(world.head, passphrase=secret)
    letter = through_review(world, draft(world, subject="Nota dinas anggaran"))
    with pytest.raises(ValidationError):
        svc.letter_sign_request(
            letter=letter, by=world.head, passphrase="not-it-9999", second_factor=True
        )
    letter = svc.letter_sign_request(
        letter=letter, by=world.head, passphrase=secret, second_factor=True
    )
    assert letter.state == LetterState.SIGNED
    assert secret not in caplog.text and "not-it-9999" not in caplog.text
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                assert secret not in text and "not-it-9999" not in text, table


def test_revoked_after_signing_stays_valid_revoked_before_cannot_sign(world):
    letter = sent(world, subject="Laporan kegiatan")
    record = signing.certificate_current(world.head)
    signing.certificate_revoke(record, by=world.users["tenant_admin"], reason="key_compromise")
    check = signing.pdf_validate(letter.pdf.open("rb").read(), tenant=world.tenant)
    assert check.valid
    assert check.signatures[0].revoked_at > check.signatures[0].signed_at  # after signing
    nxt = through_review(world, draft(world, subject="Surat berikutnya"))
    with pytest.raises(signing.SigningError) as caught:
        svc.letter_sign(letter=nxt, by=world.head, passphrase=PASSWORD)
    assert caught.value.code == "no_certificate"
    nxt.refresh_from_db()
    assert nxt.state == LetterState.APPROVED and not nxt.number


def test_the_platform_publishes_its_crl_and_answers_ocsp(world):
    client = client_for(tenant=world.tenant)  # anyone, not logged in
    record = signing.certificate_current(world.head)
    signing.certificate_revoke(record, by=world.users["tenant_admin"], reason="affiliation_changed")
    good = signing.certificate_current(world.reviewer2)
    crl = cx509.load_der_x509_crl(client.get(f"/pki/{world.tenant.slug}/crl").content)
    assert crl.get_revoked_certificate_by_serial_number(int(record.serial, 16)) is not None
    assert crl.get_revoked_certificate_by_serial_number(int(good.serial, 16)) is None
    ca = cx509.load_pem_x509_certificate(record.authority.certificate_pem.encode())
    assert crl.is_signature_valid(ca.public_key())
    from cryptography.hazmat.primitives import hashes, serialization

    def ask(rec):
        cert = cx509.load_pem_x509_certificate(rec.certificate_pem.encode())
        req = ocsp.OCSPRequestBuilder().add_certificate(cert, ca, hashes.SHA256()).build()
        body = req.public_bytes(serialization.Encoding.DER)
        response = client.post(
            f"/pki/{world.tenant.slug}/ocsp", body, content_type="application/ocsp-request"
        )
        return ocsp.load_der_ocsp_response(response.content)

    assert ask(record).certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert ask(good).certificate_status == ocsp.OCSPCertStatus.GOOD
    bad = client.post(f"/pki/{world.tenant.slug}/ocsp", b"junk", content_type="x/y")
    assert ocsp.load_der_ocsp_response(bad.content).response_status == (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
    assert client.get("/pki/no-such-tenant/crl").status_code == 404


def test_a_wrong_passphrase_counts_toward_the_lockout(world):
    letter = through_review(world, draft(world, subject="Surat edaran"))
    client = client_for(world.head)
    url = f"/letters/{letter.pk}/do/sign/"
    for _ in range(6):
        client.post(url, {"mode": "electronic", "password": "salah-salah-salah"})
    response = client.post(url, {"mode": "electronic", "password": PASSWORD})
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED  # locked out: even the right one is refused
    assert response.status_code in {302, 403}
    assert signing.certificate_current(world.head)  # the key itself is untouched


def test_renewal_adds_a_document_timestamp_before_the_last_one_expires(world):
    letter = sent(world, subject="Keputusan penting")
    before = letter.pdf.open("rb").read()
    assert letter.pdf_renew_by is not None
    Letter.objects.filter(pk=letter.pk).update(pdf_renew_by=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert svc.signatures_renew() == 1
    letter.refresh_from_db()
    after = letter.pdf.open("rb").read()
    stamps = [
        s
        for s in PdfFileReader(io.BytesIO(after), strict=False).embedded_signatures
        if s.sig_object.get("/Type") == "/DocTimeStamp"
    ]
    assert after.startswith(before) and len(stamps) == 2
    assert signing.pdf_validate(after, tenant=world.tenant).valid
    assert svc.signatures_renew() == 0  # not due again for decades


def test_the_revocation_command_revokes_with_an_audit_row(world, capsys):
    from workflows.models import SecurityEvent

    record = signing.certificate_current(world.head)
    call_command("revoke_signing_certificate", world.head.username, "--reason", "key_compromise")
    record.refresh_from_db()
    assert record.revoked_at is not None and record.revocation_reason == "key_compromise"
    event = SecurityEvent.objects.get(kind="signing.certificate_revoked", object_id=record.pk)
    assert event.detail["serial"] == record.serial
    assert record.serial in capsys.readouterr().out
    with pytest.raises(signing.SigningError):
        signing.certificate_current(world.head)


class _SlowClock(dt.datetime):
    """A clock that moves on a second each time it is read, as a busy server's clock can
    between pyHanko's two reads of "now" in one revision."""

    ticks = 0

    @classmethod
    def now(cls, tz=None):
        cls.ticks += 1
        return dt.datetime(2026, 12, 7, 15, 44, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=cls.ticks)


def test_every_revision_writes_one_modification_time_to_both_places(world, monkeypatch):
    """The information dictionary's /ModDate and the XMP xmp:ModifyDate agree after signing
    and after a renewal, even when the clock moves on a second between two reads of it."""
    from pyhanko.pdf_utils.metadata import info, xmp_xml

    monkeypatch.setattr(info, "datetime", _SlowClock)
    monkeypatch.setattr(xmp_xml, "datetime", _SlowClock)
    letter = sent(world, subject="Keputusan penting")
    signed = letter.pdf.open("rb").read()
    assert pdfa_problems(signed) == []
    Letter.objects.filter(pk=letter.pk).update(pdf_renew_by=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert svc.signatures_renew() == 1
    letter.refresh_from_db()
    renewed = letter.pdf.open("rb").read()
    assert renewed.startswith(signed) and pdfa_problems(renewed) == []
