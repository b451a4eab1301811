"""The naskah as the rules draw it: every type's parts in order, the signature block by
authority, kop, addressing, marking, page flow and paragraphs, read back from real PDFs."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from correspondence import services as svc
from correspondence.checker import letter_findings
from correspondence.layouts import layout_build
from correspondence.models import Letter, SigningMandate
from correspondence.pdf import build, render, samples
from correspondence.pdf.signature import Authority, name_without_titles, signature_block
from correspondence.services import RecipientInput
from correspondence.signing import certificate_issue
from organizations.models import Assignment
from tests.conftest import client_for

from ..factories import PASSWORD
from .helpers import PDF, draft, letter_type, sent, through_review


def _pages(data: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def _flat(data: bytes) -> str:
    return " ".join(_pages(data))


def _in_order(text: str, parts: list[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing or out of order after position {at}"
        at = found + len(part)


HEAD = "KEPALA DINAS KOMUNIKASI DAN INFORMATIKA KOTA MEDAN,"
# What the rules require of each type, in the order the page must show it.
REQUIRED = {
    "surat_dinas": [
        "Medan, 23 November 2026",
        "Nomor",
        "Sifat",
        "Lampiran : 1 (satu) berkas",
        "Hal",
        "Yth.",
        "di Tempat",
        "Dengan hormat",
        HEAD,
        "Tembusan:",
    ],
    "nota_dinas": [
        "NOTA DINAS",
        "Yth.",
        "Dari",
        "Tembusan",
        "Tanggal",
        "Nomor",
        "Sifat",
        "Lampiran",
        "Hal",
        "Dengan hormat",
        HEAD,
    ],
    "memo": ["MEMO", "Yth.", "Dari", "Hal", "Dengan hormat", HEAD],
    "undangan": [
        "Medan, 23 November 2026",
        "Nomor",
        "Hal",
        "Yth.",
        "di Tempat",
        "Dengan hormat",
        "Hari/Tanggal",
        "Waktu",
        "Tempat",
        "Acara : Rapat koordinasi",
        "kehadiran Saudara tepat waktu",
        HEAD,
    ],
    "surat_keputusan": [
        "KEPUTUSAN KEPALA DINAS KOMUNIKASI DAN INFORMATIKA KOTA MEDAN",
        "NOMOR 17/",
        "TENTANG",
        "Menimbang",
        "a.",
        "b.",
        "Mengingat",
        "1.",
        "MEMUTUSKAN:",
        "Menetapkan : KEPUTUSAN",
        "KESATU",
        "KEDUA",
        "KETIGA",
        "Ditetapkan di : Medan",
        "pada tanggal : 23 November 2026",
        HEAD,
        "Budi Hasibuan",
        "Salinan Keputusan ini disampaikan kepada:",
    ],
    "surat_edaran": [
        "Yth.",
        "SURAT EDARAN KEPALA DINAS",
        "NOMOR",
        "TENTANG",
        "Dengan hormat",
        "Ditetapkan di : Medan",
        HEAD,
    ],
    "instruksi": [
        "INSTRUKSI KEPALA DINAS",
        "NOMOR",
        "TENTANG",
        "Dengan hormat",
        "MENGINSTRUKSIKAN:",
        "Kepada",
        "Camat se-Kota Medan",
        "Untuk",
        "KESATU",
        "KEDUA",
        "Ditetapkan di",
        HEAD,
    ],
    "surat_perintah": [
        "SURAT PERINTAH",
        "NOMOR",
        "Dasar",
        "MEMERINTAHKAN:",
        "Kepada",
        "Nama : Fajar Nasution",
        "NIP : 19881109 201212 1 001",
        "Pangkat/Gol. : Penata Tingkat I (III/d)",
        "Untuk",
        "Medan, 23 November 2026",
        HEAD,
    ],
    "surat_tugas": [
        "SURAT TUGAS",
        "NOMOR",
        "Dasar",
        "1.",
        "2.",
        "MEMBERI TUGAS:",
        "Kepada",
        "Nama : Fajar Nasution",
        "Nama : Rina Siregar",
        "Untuk",
        "Medan, 23 November 2026",
        HEAD,
    ],
    "berita_acara": [
        "BERITA ACARA",
        "NOMOR",
        "TENTANG",
        "Dengan hormat",
        "Nama : Ir. Budi",
        "PIHAK PERTAMA",
        "Nama : Dra. Sri",
        "PIHAK KEDUA",
        "PIHAK PERTAMA",
        "PIHAK KEDUA",
        "Mengetahui",
        "SEKRETARIS DAERAH KOTA MEDAN,",
    ],
    "surat_keterangan": [
        "SURAT KETERANGAN",
        "NOMOR",
        "Dengan hormat",
        "Nama : Fajar",
        "Medan, 23 November 2026",
        HEAD,
    ],
    "surat_kuasa": [
        "SURAT KUASA",
        "NOMOR",
        "PEMBERI KUASA",
        "PENERIMA KUASA",
        "Dengan hormat",
        "PEMBERI KUASA",
        "PENERIMA KUASA",
    ],
    "surat_pengantar": [
        "Medan, 23 November 2026",
        "Yth.",
        "SURAT PENGANTAR",
        "NOMOR",
        "Dengan hormat",
        HEAD,
    ],
    "pengumuman": ["PENGUMUMAN", "NOMOR", "TENTANG", "Dengan hormat", "Medan, 23 November", HEAD],
    "surat_pernyataan": ["SURAT PERNYATAAN", "NOMOR", "Dengan hormat", "Medan, 23", HEAD],
    "laporan": ["LAPORAN", "NOMOR", "TENTANG", "Dengan hormat", HEAD],
    "telaahan_staf": [
        "TELAAHAN STAF",
        "Yth.",
        "Dari",
        "Hal",
        "Persoalan",
        "Praanggapan",
        "Fakta yang Mempengaruhi",
        "Analisis",
        "Simpulan",
        "Saran",
        HEAD,
    ],
    "notula": [
        "NOTULA",
        "NOMOR",
        "TENTANG",
        "Sidang/Rapat : Rapat Koordinasi",
        "Pimpinan Rapat",
        "Peserta",
        "Kegiatan Rapat",
        "Dengan hormat",
        HEAD,
    ],
}
# What a type must not print.
FORBIDDEN = {
    "surat_keputusan": ["Yth.", "di Tempat", "Ir. Budi", "M.M.", "Sifat"],
    "surat_tugas": ["Yth.", "Dengan hormat,Sehubungan", "di Tempat"],
    "berita_acara": ["Yth.", "di Tempat"],
    "surat_edaran": ["Ir. Budi"],
    "instruksi": ["Ir. Budi"],
}


def test_every_default_type_has_its_expectations():
    assert {code for code, _ in samples.TYPES} == set(REQUIRED)


@pytest.mark.parametrize(("code", "name"), samples.TYPES)
def test_every_type_prints_the_parts_the_rules_require_in_order(code, name):
    doc = samples.sample_doc(code, name, long=False)
    text = _flat(render.render_letter(doc))
    _in_order(text, REQUIRED[code])
    for word in FORBIDDEN.get(code, []):
        assert word not in text


@pytest.mark.parametrize(
    ("authority", "titles", "lines", "name", "nip", "rank"),
    [
        pytest.param(
            Authority(title="KEPALA DINAS KESEHATAN KOTA MEDAN"),
            True,
            ["KEPALA DINAS KESEHATAN KOTA MEDAN,"],
            "dr. Taufik Ririansyah, Sp.PK.",
            "19790525 200604 1 007",
            "Pembina (IV/a)",
            id="definitive",
        ),
        pytest.param(
            Authority(title="KEPALA DINAS KESEHATAN KOTA MEDAN"),
            False,
            ["KEPALA DINAS KESEHATAN KOTA MEDAN,"],
            "Taufik Ririansyah",
            "19790525 200604 1 007",
            "Pembina (IV/a)",
            id="definitive-penetapan-no-titles",
        ),
        pytest.param(
            Authority(
                title="SEKRETARIS DAERAH KOTA MEDAN",
                for_title="WALI KOTA MEDAN",
                regional_role="sekda",
            ),
            True,
            ["a.n. WALI KOTA MEDAN", "SEKRETARIS DAERAH KOTA MEDAN,"],
            "dr. Taufik Ririansyah, Sp.PK.",
            "",
            "",
            id="an-sekda",
        ),
        pytest.param(
            Authority(
                title="ASISTEN ADMINISTRASI UMUM",
                for_title="WALI KOTA MEDAN",
                via_title="SEKRETARIS DAERAH KOTA MEDAN",
            ),
            True,
            [
                "a.n. WALI KOTA MEDAN",
                "SEKRETARIS DAERAH KOTA MEDAN,",
                "u.b.",
                "ASISTEN ADMINISTRASI UMUM,",
            ],
            "dr. Taufik Ririansyah, Sp.PK.",
            "19790525 200604 1 007",
            "Pembina (IV/a)",
            id="an-ub",
        ),
        pytest.param(
            Authority(title="KEPALA DINAS KESEHATAN KOTA MEDAN", acting="plt"),
            True,
            ["Plt. KEPALA DINAS KESEHATAN KOTA MEDAN,"],
            "dr. Taufik Ririansyah, Sp.PK.",
            "19790525 200604 1 007",
            "Pembina (IV/a)",
            id="plt",
        ),
        pytest.param(
            Authority(title="SEKRETARIS DAERAH KOTA MEDAN", acting="plh", regional_role="sekda"),
            True,
            ["Plh. SEKRETARIS DAERAH KOTA MEDAN,"],
            "Taufik Ririansyah",
            "",
            "",
            id="plh-sekda",
        ),
        pytest.param(
            Authority(title="WALI KOTA MEDAN", acting="pj", regional_role="kdh"),
            True,
            ["Pj. WALI KOTA MEDAN,"],
            "Taufik Ririansyah",
            "",
            "",
            id="pj-kdh",
        ),
        pytest.param(
            Authority(
                title="SEKRETARIS DINAS KESEHATAN",
                acting="plh",
                for_title="KEPALA DINAS KESEHATAN KOTA MEDAN",
            ),
            True,
            ["a.n. KEPALA DINAS KESEHATAN KOTA MEDAN", "Plh. SEKRETARIS DINAS KESEHATAN,"],
            "dr. Taufik Ririansyah, Sp.PK.",
            "19790525 200604 1 007",
            "Pembina (IV/a)",
            id="an-plh",
        ),
    ],
)
def test_signature_block_by_authority(authority, titles, lines, name, nip, rank):
    block = signature_block(
        authority,
        name="dr. Taufik Ririansyah, Sp.PK.",
        nip="197905252006041007",
        rank="Pembina (IV/a)",
        titles=titles,
    )
    assert (block.lines, block.name, block.nip, block.rank) == (lines, name, nip, rank)
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    doc.signatures = [block]
    text = _flat(render.render_letter(doc))
    _in_order(text, [*lines, name, *([rank] if rank else []), *([f"NIP. {nip}"] if nip else [])])


# --- through the services, on the test world ---
def _mandate(world, grantor, holder, via=None, types=()):
    return SigningMandate.objects.create(
        tenant=world.tenant,
        grantor=world.positions[grantor],
        holder=world.positions[holder],
        via=world.positions[via] if via else None,
        letter_type_codes=list(types),
    )


def _signed_by(world, letter, signer, user):
    letter = svc.letter_submit(
        letter=letter, by=world.drafter, route=[world.positions["kasi_aptika"]], signers=[signer]
    )
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    return svc.letter_sign(passphrase=PASSWORD, letter=letter, by=user)


def test_an_letter_prints_the_mandate_and_the_region_heads_kop(world):
    walikota = world.positions["walikota"]
    walikota.regional_role = "kdh"
    walikota.save()
    world.positions["sekda"].regional_role = "sekda"
    world.positions["sekda"].save()
    _mandate(world, "walikota", "sekda")
    certificate_issue(world.users["sekda"], passphrase=PASSWORD)
    letter = svc.letter_create(
        by=world.drafter,
        letter_type=letter_type(world),
        subject="Undangan rapat kerja",
        body="<p>Dengan hormat.</p>",
        recipients=[RecipientInput(kind="to", unit=world.units["bappeda"])],
        signer_position=world.positions["sekda"],
        on_behalf_of=walikota,
    )
    letter = _signed_by(world, letter, world.positions["sekda"], world.users["sekda"])
    pages = _pages(letter.pdf.open("rb").read())
    # the post's kop alone (no government line, no OPD, no address), then the date
    assert re.search(r"QR\. Verifikasi: \S+ WALI KOTA MEDAN Medan, \d", pages[0])
    _in_order(pages[0], ["a.n. WALI KOTA MEDAN", "SEKRETARIS DAERAH KOTA MEDAN,", "Wiriya"])
    assert "NIP." not in pages[0]  # the regional secretary prints no NIP


def test_opd_kop_carries_the_opds_own_address(world):
    kominfo = world.units["kominfo"]
    kominfo.letterhead = {"address": "Jalan Balai Kota Nomor 1, Medan 20111", "phone": "(061) 1"}
    kominfo.save()
    world.tenant.letterhead_address = "Jalan Kapten Maulana Lubis Nomor 2"
    world.tenant.save()
    letter = sent(world, subject="Permintaan data")
    first = _pages(letter.pdf.open("rb").read())[0]
    _in_order(first, ["DINAS KOMUNIKASI DAN INFORMATIKA", "Jalan Balai Kota Nomor 1", "(061) 1"])
    assert "Kapten Maulana" not in first


def test_acting_signer_prints_plt_on_the_posts_line(world):
    user = world.users["secretary"]
    Assignment.objects.create(
        tenant=world.tenant,
        user=user,
        position=world.positions["kadis_dinkes"],
        kind="plt",
        start_date="2020-01-01",
    )
    letter = draft(world)
    on = build._signing_day(letter)
    a = build.authority_of(letter, user, world.positions["kadis_dinkes"], on)
    assert (a.acting, a.title) == ("plt", "KEPALA DINAS KESEHATAN KOTA MEDAN")


def test_units_are_addressed_by_their_officials_and_many_are_listed(world):
    few = draft(world, to=("bappeda", "dinkes"))
    text = _flat(build.letter_preview_pdf(few))
    _in_order(
        text,
        ["Yth. 1. Kepala Bappeda Kota Medan", "2. Kepala Dinas Kesehatan Kota Medan", "di Tempat"],
    )
    many = draft(
        world, to=("bappeda", "dinkes", "dispusip", "kec_baru", "setda"), to_positions=["walikota"]
    )
    pages = _pages(build.letter_preview_pdf(many))
    assert "(Daftar terlampir)" in pages[0] and "Kepala Bappeda" not in pages[0]
    _in_order(
        pages[-1],
        [
            "Lampiran",
            "DAFTAR PENERIMA",
            "Kepala Bappeda Kota Medan",
            "Camat Medan Baru",
            "Wali Kota Medan",
        ],
    )


def test_confidential_letters_are_marked_red_on_every_page(world):
    letter = draft(world, security="rahasia", urgency="segera", body="<p>x</p>" * 90)
    data = build.letter_preview_pdf(letter)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.extract_text().count("RAHASIA") >= 2  # top and bottom
        assert b"1 0 0 rg" in page.get_contents().get_data()  # in red
    assert "Sifat : Rahasia, Segera" in _flat(data)


@pytest.mark.parametrize("paragraphs", range(1, 16))
def test_the_closing_paragraph_and_tembusan_are_never_cut_off(paragraphs):
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    doc.body_html = "<p>Isi surat yang cukup panjang untuk mengisi beberapa baris. " * 6
    doc.body_html = (doc.body_html + "</p>") * paragraphs + "<p>Demikian kami sampaikan.</p>"
    doc.cc = ["Wali Kota Medan", "Sekretaris Daerah Kota Medan", "Arsip"]
    pages = _pages(render.render_letter(doc))
    signed = [p for p in pages if "Budi Hasibuan" in p]
    assert len(signed) == 1 and "Demikian kami sampaikan" in signed[0]
    with_cc = [p for p in pages if "Tembusan:" in p]
    assert len(with_cc) == 1 and all(c in with_cc[0] for c in doc.cc)


def test_paragraphs_lists_and_tables_survive_into_the_signed_pdf(world, tmp_path):
    body = "Paragraf pertama surat ini.\n\nParagraf kedua surat ini.\n\nParagraf ketiga surat ini."
    letter = draft(world, body=body)
    assert letter.body.count("<p>") == 3  # a plain textarea keeps its paragraphs
    letter = svc.letter_update(
        letter=letter,
        by=world.drafter,
        expected_version=letter.version,
        body=letter.body
        + "<ol><li>Butir satu</li><li>Butir dua</li></ol>"
        + "<table><tr><th>No</th><th>Unit</th></tr><tr><td>1</td><td>Bappeda</td></tr></table>",
    )
    letter = svc.letter_sign(
        passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
    )
    path = tmp_path / "l.pdf"
    path.write_bytes(letter.pdf.open("rb").read())
    text = subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout
    lines = [line.strip() for line in text.splitlines()]
    for para in ("Paragraf pertama surat ini.", "Paragraf kedua", "Paragraf ketiga"):
        assert any(line.startswith(para) for line in lines), para
    assert any(re.match(r"^1\.\s+Butir satu", line) for line in lines)
    assert any(re.match(r"^2\.\s+Butir dua", line) for line in lines)
    assert any(re.match(r"^1\s+Bappeda$", line) for line in lines)  # one table row


def test_attachment_pages_carry_the_lampiran_header(world):
    letter = draft(world, subject="Dengan lampiran")
    svc.attachment_add(
        letter=letter, by=world.drafter, upload=SimpleUploadedFile("l.pdf", PDF, "application/pdf")
    )
    letter = svc.letter_sign(
        passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
    )
    pages = _pages(letter.pdf.open("rb").read())
    assert "Lampiran : 1 (satu) berkas" in pages[0]
    _in_order(pages[-1], ["Lampiran Surat Dinas", f"Nomor : {letter.number}", "Tanggal"])
    assert "Pindaian surat" in pages[-1]  # the attachment itself is untouched beneath


def test_the_preview_is_the_letter_as_it_will_print_marked_konsep(world):
    letter = draft(world, subject="Konsep undangan")
    data = build.letter_preview_pdf(letter)
    text = _flat(data)
    assert "KONSEP" in text and "Konsep undangan" in text
    assert re.search(r"Nomor : …/-/KOMINFO/\d{4}", text)
    assert "Budi Hasibuan" in text  # the planned signer who holds the post today
    assert "Verifikasi" not in text  # no signed footer on a draft


def test_a_tenant_layout_change_is_applied():
    changed = layout_build("surat_dinas", {"di_tempat": False, "addressees_max": 1})
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    doc.layout = changed
    doc.addressees = ["Kepala Bappeda Kota Medan", "Kepala Dinas Kesehatan Kota Medan"]
    text = _flat(render.render_letter(doc))
    assert "di Tempat" not in text and "(Daftar terlampir)" in text
    with pytest.raises(ValueError, match="heading"):
        layout_build("surat_dinas", {"heading": "poster"})


# --- odd input never breaks a letter ---
def test_a_very_long_dictum_and_consideration_break_across_pages():
    doc = samples.sample_doc("surat_keputusan", "Surat Keputusan", long=False)
    long_item = ("bahwa pertimbangan yang sangat panjang " * 100)[:4000] + " AKHIR"
    doc.parts = {**doc.parts, "menimbang": [long_item], "diktum": [long_item, "Penutup."]}
    text = _flat(render.render_letter(doc))
    assert text.count("AKHIR") == 2 and "KEDUA" in text


@pytest.mark.parametrize(
    "body",
    ["<b>tebal<p>paragraf</p></b>", "<i>a</b>b</i>", "<p><b>tidak ditutup</p><p>lagi</p>", "</u>"],
)
def test_unbalanced_inline_markup_renders(body):
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    doc.body_html = svc.body_sanitize(body)
    assert "Budi Hasibuan" in _flat(render.render_letter(doc))


def test_a_padded_sequence_pattern_previews_with_its_placeholder(world):
    letter = draft(world)
    letter.letter_type.number_pattern = "{seq:04d}/{unit}/{year}"
    letter.letter_type.save()
    assert re.search(r"Nomor : …/KOMINFO/\d{4}", _flat(build.letter_preview_pdf(letter)))


def test_stored_parts_that_no_longer_fit_their_layout_are_left_out(world):
    letter = draft(world, code="surat_tugas", body="")
    Letter.objects.filter(pk=letter.pk).update(parts={"kepada": "Fajar", "dasar": [{"x": 1}]})
    letter.refresh_from_db()
    text = _flat(build.letter_preview_pdf(letter))
    assert "SURAT TUGAS" in text and "Fajar" not in text
    codes = {f.code for f in letter_findings(letter)}
    assert "part.missing" in codes  # what no longer fits is missing, not a crash
    edited = svc.letter_update(
        letter=letter, by=world.drafter, expected_version=letter.version, subject="Baru"
    )
    assert edited.parts == {}


def test_another_governments_officials_carry_their_own_region(world):
    world.positions["t_kaban"].title = "Kepala Bappeda"
    world.positions["t_kaban"].save()
    letter = draft(world, to=("t_bappeda",))
    text = _flat(build.letter_preview_pdf(letter))
    assert "Yth. Kepala Bappeda Kota Tangerang" in text and "Bappeda Kota Medan" not in text


def test_a_regency_heads_title_is_not_given_the_region_twice(world):
    bupati = world.positions["walikota"]
    bupati.title, bupati.regional_role = "Bupati Deli Serdang", "kdh"
    world.tenant.region = "Kabupaten Deli Serdang"
    assert build.post_display(bupati, world.tenant) == "BUPATI DELI SERDANG"
    sekda = world.positions["sekda"]
    sekda.regional_role = "sekda"
    assert build.post_display(sekda, world.tenant) == "SEKRETARIS DAERAH KABUPATEN DELI SERDANG"


@pytest.mark.parametrize(
    ("name", "bare"),
    [
        ("H. Drs. Mulyadi, M.Si.", "H. Mulyadi"),
        ("Prof. Dr. Ir. Rina Siregar, S.T., M.T.", "Rina Siregar"),
        ("Tengku Chairuniza, S.STP.", "Tengku Chairuniza"),
        ("drg. Ayu", "Ayu"),
    ],
)
def test_academic_titles_are_left_out_wherever_they_stand(name, bare):
    assert name_without_titles(name) == bare


def test_a_plt_regional_secretary_keeps_nip_and_rank():
    block = signature_block(
        Authority(title="SEKRETARIS DAERAH KOTA MEDAN", acting="plt", regional_role="sekda"),
        name="Budi",
        nip="197205121998031004",
        rank="Pembina Utama Muda (IV/c)",
    )
    assert block.nip == "19720512 199803 1 004" and block.rank


def test_a_mandate_ended_after_submit_refuses_the_signature(world):
    mandate = _mandate(world, "kadis_kominfo", "sekdis_kominfo")
    certificate_issue(world.users["secretary"], passphrase=PASSWORD)
    letter = svc.letter_create(
        by=world.drafter,
        letter_type=letter_type(world),
        subject="Atas nama kepala dinas",
        body="<p>Dengan hormat.</p>",
        recipients=[RecipientInput(kind="to", unit=world.units["bappeda"])],
        signer_position=world.positions["sekdis_kominfo"],
        on_behalf_of=world.positions["kadis_kominfo"],
    )
    letter = svc.letter_submit(
        letter=letter,
        by=world.drafter,
        route=[world.positions["kasi_aptika"]],
        signers=[world.positions["sekdis_kominfo"]],
    )
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    mandate.is_active = False
    mandate.save()
    with pytest.raises(ValidationError):
        svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.users["secretary"])
    letter.refresh_from_db()
    assert letter.state == "approved" and not letter.number


def test_the_letter_page_shows_the_parts_and_a_reviewer_sees_them_change(world):
    parts = {
        "dasar": ["Peraturan Wali Kota Nomor 12 Tahun 2025"],
        "kepada": [{"name": "Fajar Nasution", "nip": "198811092012121001", "position": "Kasi"}],
        "untuk": ["Melaksanakan inventarisasi aplikasi."],
    }
    letter = draft(world, code="surat_tugas", body="", parts=parts)
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    page = client_for(world.reviewer).get(reverse("correspondence:letter", args=[letter.pk]))
    text = page.content.decode()
    assert 'data-testid="letter-parts"' in text
    _in_order(
        text,
        [
            "Dasar",
            "Peraturan Wali Kota",
            "Kepada",
            "Fajar Nasution · 198811092012121001",
            "Untuk",
            "Melaksanakan inventarisasi",
        ],
    )
    letter = svc.letter_return(letter=letter, by=world.reviewer, note="Tambah tugas")
    svc.letter_update(
        letter=letter,
        by=world.drafter,
        expected_version=letter.version,
        parts={**parts, "untuk": ["Melaksanakan inventarisasi aplikasi.", "Melapor tiap pekan."]},
    )
    letter = svc.letter_submit(letter=Letter.objects.get(pk=letter.pk), by=world.drafter)
    diff = svc.changes_since_last_look(letter, world.reviewer)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[1:2] not in "+-"]
    assert changed == ["+Untuk: Melapor tiap pekan."]  # the unchanged parts are context only
