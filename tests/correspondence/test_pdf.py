"""Official PDFs: every letter type renders and reads back; signatures validate with pyHanko
and break on any change; the QR verification page; failures leave the letter approved."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from correspondence import services as svc
from correspondence import signing
from correspondence.choices import LetterState
from correspondence.layouts import titles_allowed
from correspondence.models import Letter, NumberCounter, SignerCertificate
from correspondence.pdf import render, samples
from correspondence.pdf.build import letter_pdf
from tests.conftest import client_for, host_of

from ..factories import PASSWORD
from .helpers import delivery_to, draft, sent, signed, through_review

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm")


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@needs_poppler
@pytest.mark.parametrize(("code", "name"), samples.TYPES)
def test_every_type_renders_reads_back_and_rasterises(code, name, tmp_path):
    doc = samples.sample_doc(code, name)
    data = render.render_letter(doc)
    text = " ".join(_text(data).split())
    assert doc.number in text
    if doc.layout.about or doc.layout.heading != "title":  # hal or TENTANG
        assert "INVENTARISASI APLIKASI PERANGKAT DAERAH" in text.upper()
    titles = titles_allowed(doc.layout)
    assert ("Ir. Budi Hasibuan, M.M." in text) is titles
    assert "Budi Hasibuan" in text
    assert "Kepala Badan Pengelolaan Keuangan dan Aset Daerah" in text  # the 6th of 12 cc
    if doc.layout.has_body:
        assert "kerahasiaan data pribadi" in text  # Indonesian text survives extraction
        pages = PdfReader(io.BytesIO(data)).pages
        assert len(pages) >= 2  # long body: continuation pages
        assert "- 2 -" in pages[1].extract_text()
    if code == "undangan":
        assert "Hari/Tanggal" in text and "Ruang Rapat II Balai Kota Medan" in text
    if code == "nota_dinas":
        assert "NOTA DINAS" in text and "Dari" in text
    (tmp_path / "l.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-singlefile", tmp_path / "l.pdf", tmp_path / "p"],
        check=True,
    )
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "p.png").stat().st_size > 5000


def test_every_font_that_draws_text_is_embedded():
    import re

    data = render.render_letter(samples.sample_doc("surat_dinas", "Surat Dinas", long=False))
    page = PdfReader(io.BytesIO(data)).pages[0]
    content = page.get_contents().get_data().decode("latin-1")
    used = set(re.findall(r"(/F[\w+]+) [\d.]+ Tf", content))
    fonts = page["/Resources"]["/Font"]
    assert used and used <= set(fonts)
    for name in used:
        font = fonts[name].get_object()
        assert "DejaVuSerif" in font["/BaseFont"]
        descriptor = (
            font.get("/FontDescriptor")
            or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        )
        assert "/FontFile2" in descriptor.get_object()


def test_hostile_body_html_renders_inert():
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    doc.body_html = "<p>a &lt;b&gt; <script>alert(1)</script> <para>x</para> & < ></p>"
    text = _text(render.render_letter(doc))
    assert "alert(1)" in text  # shown as text, never interpreted


def test_a_signed_letter_validates_and_one_changed_byte_breaks_it(world):
    letter = sent(world, subject="Permintaan data SPBE")
    data = letter.pdf.open("rb").read()
    check = signing.pdf_validate(data, tenant=world.tenant)
    assert check.valid and [s.trusted for s in check.signatures] == [True]
    assert letter.pdf_sha256 == signing.sha256(data)
    text = _text(data)
    assert letter.number in text and "Permintaan data SPBE" in text
    assert world.head.display_name in text
    assert "ditandatangani secara elektronik" in " ".join(text.split())
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta["/NaskahNumber"] == letter.number and meta["/Title"] == "Permintaan data SPBE"
    tampered = bytearray(data)
    offset = data.index(b"Permintaan") if b"Permintaan" in data else len(data) // 3
    tampered[offset] ^= 1
    assert not signing.pdf_validate(bytes(tampered), tenant=world.tenant).valid
    # another tenant's authority does not vouch for it
    assert not signing.pdf_validate(data, tenant=world.other_tenant).valid


def test_the_verification_page_shows_valid_and_flags_a_changed_copy(world):
    letter = sent(world, subject="Permintaan data SPBE")
    data = letter.pdf.open("rb").read()
    public = Client(HTTP_HOST=host_of(world.tenant))
    page = public.get(f"/v/{letter.verify_token}")
    assert page.status_code == 200
    assert letter.number.encode() in page.content and b"Permintaan data SPBE" in page.content
    assert b'data-testid="verify-result" data-valid="yes"' in page.content
    same = public.post(
        f"/v/{letter.verify_token}", {"file": SimpleUploadedFile("a.pdf", data, "application/pdf")}
    )
    assert b'data-identical="yes" data-valid="yes"' in same.content
    # One letter of the signed title changed: still a PDF, no longer what was signed (a byte
    # picked at random may land in the signature's own padding, which no digest covers).
    changed = bytearray(data)
    changed[data.index(b"Permintaan data SPBE")] ^= 1
    other = public.post(
        f"/v/{letter.verify_token}",
        {"file": SimpleUploadedFile("a.pdf", bytes(changed), "application/pdf")},
    )
    assert b'data-identical="no" data-valid="no"' in other.content
    junk = public.post(
        f"/v/{letter.verify_token}",
        {"file": SimpleUploadedFile("a.pdf", b"<html>x</html>", "application/pdf")},
    )
    assert junk.status_code == 200 and b"upload-result" not in junk.content
    # on another tenant's host, and for an unknown token: nothing
    assert (
        Client(HTTP_HOST=host_of(world.other_tenant)).get(f"/v/{letter.verify_token}").status_code
        == 404
    )
    assert public.get("/v/not-a-token").status_code == 404


@pytest.mark.parametrize("level", ["rahasia", "sangat_rahasia"])
def test_the_verification_page_hides_a_confidential_subject(world, level):
    letter = sent(
        world,
        security=level,
        subject="Rencana mutasi pejabat",
        to=(),
        to_positions=["kaban_bappeda"],
    )
    page = Client(HTTP_HOST=host_of(world.tenant)).get(f"/v/{letter.verify_token}")
    assert page.status_code == 200 and b"mutasi" not in page.content
    assert letter.number.encode() in page.content


def test_a_letter_with_two_signers_carries_both_signatures_in_order(world):
    """A berita acara signed by the head of the TIK division, then the head of the agency: two PAdES signatures, the first
    still valid after the second was added, both names in the signature blocks."""
    letter = draft(world, code="berita_acara", subject="Berita acara serah terima")
    letter = svc.letter_submit(
        letter=letter,
        by=world.drafter,
        route=[world.positions["kasi_aptika"]],
        signers=[world.positions["kabid_tik"], world.positions["kadis_kominfo"]],
    )
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    letter = svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.reviewer2)
    # The first signature fixed the letter: numbered and signed; it waits for the second.
    assert letter.state == LetterState.APPROVED and letter.pdf and letter.number
    letter = svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head)
    data = letter.pdf.open("rb").read()
    check = signing.pdf_validate(data, tenant=world.tenant)
    assert check.valid
    assert [s.signer for s in check.signatures] == [
        world.reviewer2.display_name,
        world.head.display_name,
    ]
    text = " ".join(_text(data).split())
    assert world.reviewer2.display_name in text and world.head.display_name in text


def test_attachments_are_appended_with_bookmarks(world):
    from PIL import Image

    letter = draft(world, subject="Dengan lampiran")
    pdf_att = render.render_letter(samples.sample_doc("memo", "Memo", long=False))
    png = io.BytesIO()
    Image.new("RGB", (400, 300), "navy").save(png, "PNG")
    svc.attachment_add(
        letter=letter,
        by=world.drafter,
        upload=SimpleUploadedFile("lampiran.pdf", pdf_att, "application/pdf"),
    )
    svc.attachment_add(
        letter=letter,
        by=world.drafter,
        upload=SimpleUploadedFile("foto.png", png.getvalue(), "image/png"),
    )
    letter = svc.letter_sign(
        passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
    )
    reader = PdfReader(io.BytesIO(letter.pdf.open("rb").read()))
    titles = [item.title for item in reader.outline]
    assert titles[1:] == ["Lampiran: lampiran.pdf", "Lampiran: foto.png"]
    assert len(reader.pages) >= 3
    assert "lampiran.pdf" in _text(letter.pdf.open("rb").read())


def _approved(world) -> Letter:
    return through_review(world, draft(world))


def test_signing_needs_the_signers_passphrase(world):
    letter = _approved(world)
    with pytest.raises(ValidationError) as err:
        svc.letter_sign_request(
            letter=letter, by=world.head, passphrase="salah", second_factor=True
        )
    assert "passphrase" in err.value.message_dict
    letter.refresh_from_db()
    assert (letter.state, letter.number) == (LetterState.APPROVED, "")


def test_a_signer_without_a_certificate_reads_what_to_do(world, password):
    SignerCertificate.objects.filter(user=world.head).delete()
    letter = _approved(world)
    with pytest.raises(Exception) as err:
        svc.letter_sign_request(
            letter=letter, by=world.head, passphrase=password, second_factor=True
        )
    assert "Sertifikat tanda tangan" in str(err.value)
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED and not NumberCounter.objects.exists()


def test_an_expired_certificate_is_named(world, password):
    SignerCertificate.objects.filter(user=world.head).update(
        not_after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    with pytest.raises(signing.SigningError) as err:
        signing.certificate_current(world.head)
    assert err.value.code == "certificate_expired" and "01-01-2026" in err.value.message


def test_a_failed_signature_leaves_the_letter_approved_and_unnumbered(world, password, settings):
    """The timestamp authority is down: nothing is signed or numbered, the reason is kept on
    the letter for its signer, and the next signature is number 1."""
    good = settings.NASKAH_TSA_URL
    settings.NASKAH_TSA_URL = "http://127.0.0.1:9/tsa"  # nothing listens on the discard port
    letter = _approved(world)
    with pytest.raises(ValidationError):
        svc.letter_sign_request(
            letter=letter, by=world.head, passphrase=password, second_factor=True
        )
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED and letter.number == "" and not letter.pdf
    assert "did not answer" in letter.sign_error or "tidak menjawab" in letter.sign_error
    settings.NASKAH_TSA_URL = good
    svc.letter_sign_request(letter=letter, by=world.head, passphrase=password, second_factor=True)
    letter.refresh_from_db()
    assert letter.state == LetterState.SIGNED and letter.number_seq == 1 and letter.pdf
    assert letter.sign_error == ""


def test_the_page_signs_now_and_offers_the_pdf(world, password):
    letter = _approved(world)
    head = client_for(world.head)
    page = head.get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'name="password"' in page.content
    url = reverse("correspondence:action", args=[letter.pk, "sign"])
    wrong = head.post(url, {"mode": "electronic", "password": "salah"}, follow=True)
    assert b'class="msg error"' in wrong.content
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED and not letter.number
    head.post(url, {"mode": "electronic", "password": password})
    letter.refresh_from_db()
    assert letter.state == LetterState.SIGNED
    page = head.get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'data-testid="download-pdf"' in page.content
    pdf = head.get(reverse("correspondence:letter-pdf", args=[letter.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        client_for(world.outsider)
        .get(reverse("correspondence:letter-pdf", args=[letter.pk]))
        .status_code
        == 404
    )


def test_api_sign_requires_the_passphrase(world, password):
    letter = _approved(world)
    api = client_for(world.head)
    url = reverse("api:letter-sign", args=[letter.pk])
    assert api.post(url, {}, content_type="application/json").status_code == 400
    assert api.post(url, {"password": password}, content_type="application/json").status_code == 400
    bad = api.post(url, {"passphrase": "x"}, content_type="application/json")
    assert bad.status_code == 400 and "passphrase" in bad.json()["fields"]
    ok = api.post(url, {"passphrase": password}, content_type="application/json")
    assert ok.status_code == 200
    body = api.get(reverse("api:letter-detail", args=[letter.pk])).json()
    assert body["state"] == "signed" and body["pdf_url"] and len(body["pdf_sha256"]) == 64


def test_disposition_sheet(world):
    due = svc.tenant_today(world.tenant) + dt.timedelta(days=10)  # from the clock, never past
    letter = sent(world, subject="Undangan rapat koordinasi")
    delivery = delivery_to(letter, world, "bappeda")
    svc.disposition_create(
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["hadiri"],
        note="Wakili saya",
        due_date=due,
    )
    response = client_for(world.bappeda_head).get(
        reverse("correspondence:disposition-sheet", args=[delivery.pk])
    )
    assert response.status_code == 200
    text = " ".join(_text(response.content).split())
    assert "LEMBAR DISPOSISI" in text and delivery.agenda_number in text
    assert "Hadiri/wakili" in text and "Wakili saya" in text and due.strftime("%d-%m-%Y") in text
    assert (
        client_for(world.outsider)
        .get(reverse("correspondence:disposition-sheet", args=[delivery.pk]))
        .status_code
        == 404
    )


def test_verify_pdf_command(world, tmp_path, capsys):
    letter = sent(world)
    good = tmp_path / "good.pdf"
    good.write_bytes(letter.pdf.open("rb").read())
    call_command("verify_pdf", str(good), "--tenant", world.tenant.slug)
    assert "All signatures are valid." in capsys.readouterr().out
    bad = tmp_path / "bad.pdf"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 1
    bad.write_bytes(bytes(data))
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_pdf", str(bad), "--tenant", world.tenant.slug)
    assert exit_.value.code == 1


def test_init_signing_ca_names_signers_without_a_key_and_issues_none(world, capsys):
    """Nobody but the signer may choose their passphrase: the command only counts them."""
    SignerCertificate.objects.filter(user=world.head).delete()
    call_command("init_signing_ca", world.tenant.slug)
    assert not SignerCertificate.objects.filter(user=world.head).exists()
    assert "1 signer(s) still to create theirs" in capsys.readouterr().out.splitlines()[-1]


def test_rendering_uses_the_real_letter(world):
    letter = signed(world, subject="Koordinasi")
    data = letter_pdf(letter)
    assert letter.number in _text(data)


@needs_poppler
def test_the_qr_code_on_a_signed_letter_opens_its_verification_page(world, tmp_path):
    import zxingcpp
    from PIL import Image

    from correspondence.pdf.build import verify_url

    letter = sent(world)
    (tmp_path / "l.pdf").write_bytes(letter.pdf.open("rb").read())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", tmp_path / "l.pdf", tmp_path / "p"], check=True
    )
    found = [
        r.text
        for png in sorted(tmp_path.glob("p*.png"))
        for r in zxingcpp.read_barcodes(Image.open(png))
    ]
    assert found == [verify_url(letter)]
    path = found[0].split(world.tenant.primary_domain, 1)[1]
    assert Client(HTTP_HOST=host_of(world.tenant)).get(path).status_code == 200


def test_signing_never_rehashes_the_password(world, password, settings):
    """A rehash saved while signing would change the session's auth hash and log the signer
    out: an older hash is renewed at the next login, not here."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",  # preferred now: MD5 is "older"
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = type(world.head).objects.get(pk=world.head.pk).password
    assert before.startswith("md5$")
    letter = _approved(world)
    svc.letter_sign_request(
        letter=letter, by=world.head, password=password, second_factor=True, mode="paper"
    )
    assert type(world.head).objects.get(pk=world.head.pk).password == before
