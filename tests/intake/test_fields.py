"""The fields read from OCR text: hand-written texts shaped like Tesseract's output of real
layouts, with its usual mistakes."""

import pytest

from intake.fields import letter_fields

pytestmark = pytest.mark.django_db

STANDARD = """PEMERINTAH KOTA BANDUNG
DINAS KOMUNIKASI DAN INFORMATIKA
Jalan Wastukancana No. 2, Bandung - Telepon (022) 4234793

Bandung, 3 Desember 2026

Nomor : 005/123/Diskominfo/2026
Sifat : Biasa
Lampiran : 1 (satu) berkas
Hal : Undangan Rapat Koordinasi Penyusunan Rencana Kerja
Pemerintah Daerah Tahun 2027

Yth. Kepala Dinas Komunikasi dan Informatika Kota Medan
di
Tempat

Sehubungan dengan penyusunan rencana kerja, kami mengundang Bapak/Ibu pada
hari Senin, 14 Desember 2026 pukul 09.00 WIB.
"""


def test_standard_letter_reads_every_field():
    # GIVEN a clean surat dinas WHEN it is read THEN every field is there, sure
    fields = letter_fields(STANDARD)
    assert {k: v["value"] for k, v in fields.items()} == {
        "number": "005/123/Diskominfo/2026",
        "date": "2026-12-03",
        "subject": "Undangan Rapat Koordinasi Penyusunan Rencana Kerja Pemerintah Daerah Tahun 2027",
        "sender": "Dinas Komunikasi dan Informatika",
        "security": "biasa",
        "attachments": "1 (satu) berkas",
        "addressee": "Kepala Dinas Komunikasi dan Informatika Kota Medan",
    }
    for name in ("number", "date", "subject", "security", "attachments"):
        assert fields[name]["confidence"] >= 0.9, name
    assert fields["sender"]["confidence"] < 0.9  # read from the kop, matched with nothing


def _letter(*heading: str, top: str = "Medan, 3 Desember 2026") -> str:
    kop = "PEMERINTAH KOTA MEDAN\nDINAS KESEHATAN\nJalan Rumah Sakit H. No. 47, Medan\n\n"
    body = "\nYth.\nSekretaris Daerah\ndi\nTempat\n\nDengan hormat, bersama ini kami sampaikan."
    return kop + (top + "\n\n" if top else "") + "\n".join(heading) + "\n" + body


@pytest.mark.parametrize(
    ("line", "number", "sure"),
    [
        ("Nomor : 005/123/Diskominfo/2026", "005/123/Diskominfo/2026", True),
        ("Nomor: 800.1/45/BKPSDM/XII/2026", "800.1/45/BKPSDM/XII/2026", True),
        ("Nomor ; 005/123/Dinkes", "005/123/Dinkes", True),
        ("No. : 000.8.3.3/15/OR", "000.8.3.3/15/OR", True),
        ("NOMOR : B-99/IJ/KP.07.6/04/2026", "B-99/IJ/KP.07.6/04/2026", True),
        ("Nomor 005/123/Setda/2026", "005/123/Setda/2026", False),
        ("Nornor : 440/77/Dinkes/2026", "440/77/Dinkes/2026", False),
        ("Nomor : 8OO.1/2O3O/Dinkes/IX/2026", "800.1/2030/Dinkes/IX/2026", False),
        ("Nomor : 400:7.22/1544-Bappeda/2027", "400.7.22/1544-Bappeda/2027", False),
        ("Nomor : 800.1/279/Dispusip/X1/2027", "800.1/279/Dispusip/XI/2027", False),
        ("Nomor : 800.1/28/Setda/I1/2026", "800.1/28/Setda/II/2026", False),
        ("Nomor : 800.1/28/Setda/11/2026", "800.1/28/Setda/11/2026", True),
        ("Nomor : 800.1/59/Disdik/111/2026", "800.1/59/Disdik/III/2026", False),
        ("Nomor : 800.1/1877/Setda/l/2026", "800.1/1877/Setda/I/2026", False),
        ("Nomor : B-367/Disdik/KP:07.6/08/2026", "B-367/Disdik/KP.07.6/08/2026", False),
        ("Nomor : 005/111/Setda/2026", "005/111/Setda/2026", True),
        ("Nomor : 005 / 123 / Dinkes / 2026", "005/123/Dinkes/2026", True),
        ("Nomor : B - 957/DPUPR/2027", "B-957/DPUPR/2027", True),
        ("Nomor : 005/12/Dinkes/2026      Medan, 3 Desember 2026", "005/12/Dinkes/2026", True),
    ],
)
def test_number_label_variants_and_repairs(line, number, sure):
    fields = letter_fields(_letter(line, "Hal : Permohonan Data"))
    assert fields["number"]["value"] == number
    assert (fields["number"]["confidence"] >= 0.9) == sure


def test_number_under_the_title_of_a_circular():
    text = (
        "PEMERINTAH KOTA MEDAN\nSEKRETARIAT DAERAH\nJalan Kapten Maulana Lubis No. 2\n\n"
        "SURAT EDARAN\nNOMOR 100.3.4/2211/SETDA/2026\n\nTENTANG\n"
        "PENYELENGGARAAN SISTEM PEMERINTAHAN BERBASIS\nELEKTRONIK\n\n"
        "Yth.\nKepala Perangkat Daerah\ndi\nTempat\n\n"
        "Dalam rangka pelaksanaan SPBE, disampaikan hal berikut.\n\n"
        "Ditetapkan di Medan\npada tanggal 7 Desember 2026\nWALI KOTA MEDAN,\n"
    )
    fields = letter_fields(text)
    assert fields["number"]["value"] == "100.3.4/2211/SETDA/2026"
    assert fields["subject"]["value"] == "Penyelenggaraan Sistem Pemerintahan Berbasis Elektronik"
    assert fields["date"]["value"] == "2026-12-07"
    assert fields["sender"]["value"] == "Sekretariat Daerah"


def test_decree_number_keeps_its_year():
    text = "KEPUTUSAN WALI KOTA MEDAN\nNOMOR 23 TAHUN 2026\n\nTENTANG\nTIM PENGELOLA ARSIP\n"
    assert letter_fields(text)["number"]["value"] == "23 TAHUN 2026"


@pytest.mark.parametrize(
    ("top", "heading", "date"),
    [
        ("Medan, 3 Desember 2026", [], "2026-12-03"),
        ("Medan, 03-12-2026", [], "2026-12-03"),
        ("Medan, 3 Des. 2026", [], "2026-12-03"),
        ("Medan, 3 Desernber 2026", [], "2026-12-03"),  # m read as rn
        ("Medan, l9 Nopember 2O26", [], "2026-11-19"),  # l for 1, O for 0
        ("Kota Tebing Tinggi, 1 Februari 2027", [], "2027-02-01"),
        ("", ["Nomor : 005/1/Dinkes/2026    Medan, 12 Agustus 2026"], "2026-08-12"),
        ("", ["Tanggal : 21 Maret 2026"], "2026-03-21"),
        ("", ["Tanggal 21 Mar 2026"], "2026-03-21"),
    ],
)
def test_date_layouts_and_ocr_noise(top, heading, date):
    fields = letter_fields(_letter(*heading, "Hal : Laporan", top=top))
    assert fields["date"]["value"] == date


def test_date_of_an_event_is_not_the_letter_date():
    text = _letter("Hal : Undangan", top="") + (
        "\nHari/Tanggal : Senin, 14 Desember 2026\nPukul : 09.00 WIB\n"
        "\nMedan, 2 Desember 2026\nKEPALA DINAS,\n"
    )
    assert letter_fields(text)["date"]["value"] == "2026-12-02"


def test_date_after_a_capitalised_word_in_the_body_is_not_the_letter_date():
    text = _letter("Hal : Balasan", top="") + (
        "\nMenjawab surat Bapak Kepala Dinas, 2 Desember 2026 yang lalu, kami sampaikan.\n"
        "\nMedan, 9 Desember 2026\nKEPALA DINAS,\n"
    )
    assert letter_fields(text)["date"]["value"] == "2026-12-09"


def test_date_repaired_is_less_sure():
    clean = letter_fields(_letter("Hal : X", top="Medan, 19 November 2026"))["date"]
    noisy = letter_fields(_letter("Hal : X", top="Medan, l9 Novenber 2O26"))["date"]
    assert clean["value"] == noisy["value"] == "2026-11-19"
    assert clean["confidence"] > noisy["confidence"]


@pytest.mark.parametrize(
    ("heading", "subject"),
    [
        (["Hal : Permohonan Data Pegawai"], "Permohonan Data Pegawai"),
        (["Hal: Permohonan Data Pegawai"], "Permohonan Data Pegawai"),
        (["Perihal : Permohonan Data Pegawai"], "Permohonan Data Pegawai"),
        (["Perlhal : Permohonan Data Pegawai"], "Permohonan Data Pegawai"),
        (
            ["Hal : Usulan Kenaikan Pangkat Pegawai Negeri Sipil", "Periode April 2027"],
            "Usulan Kenaikan Pangkat Pegawai Negeri Sipil Periode April 2027",
        ),
        (
            ["Hal : Usulan Kenaikan Pangkat Pegawai Negeri Sipil", "", "Periode April 2027"],
            "Usulan Kenaikan Pangkat Pegawai Negeri Sipil Periode April 2027",
        ),
        (
            ["Hal : Laporan Realisasi Anggaran Triwulan III ."],
            "Laporan Realisasi Anggaran Triwulan III",
        ),
    ],
)
def test_subject_labels_and_wrapping(heading, subject):
    fields = letter_fields(_letter("Nomor : 005/1/Dinkes/2026", *heading))
    assert fields["subject"]["value"] == subject


def test_subject_stops_before_the_addressee_and_the_body():
    text = _letter("Hal : Pemberitahuan", top="")
    assert letter_fields(text)["subject"]["value"] == "Pemberitahuan"


@pytest.mark.parametrize(
    ("sifat", "security", "urgency"),
    [
        ("Sifat : Biasa", "biasa", None),
        ("Sifat : Terbatas", "terbatas", None),
        ("Sifat : Rahasia", "rahasia", None),
        ("Sifat : Sangat Rahasia", "sangat_rahasia", None),
        ("Sifat : Rahasla", "rahasia", None),
        ("Sifat : Segera", None, "segera"),
        ("Sifat : Sangat Segera", None, "sangat_segera"),
        ("Sifat : Sangat-Segera", None, "sangat_segera"),
        ("Sifat : Sangal Segera", None, "sangat_segera"),
        ("Sifat : Amat Segera", None, "sangat_segera"),
        ("Sifat : Biasa/Segera", "biasa", "segera"),
        ("Sifat 1 Terbatas", "terbatas", None),
        ("Sifat : Penting", None, None),
    ],
)
def test_sifat_gives_security_and_urgency(sifat, security, urgency):
    fields = letter_fields(_letter("Nomor : 005/1/Dinkes/2026", sifat, "Hal : X"))
    assert fields.get("security", {}).get("value") == security
    assert fields.get("urgency", {}).get("value") == urgency


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("Lampiran : 1 (satu) berkas", "1 (satu) berkas"),
        ("Lampiran : -", "-"),
        ("Lampiran : —", "-"),
        ("Lamp. : 2 (dua) lembar", "2 (dua) lembar"),
        ("Lampiran 1 1 (satu) berkas", "1 (satu) berkas"),
        ("Lampiran 1.3 (tiga) berkas", "3 (tiga) berkas"),
        ("Lampiran 1 (satu) berkas", "1 (satu) berkas"),
        ("Lampiran : 1 (satu) eksemplar Kepada", "1 (satu) eksemplar"),
        ("Lamp. 1-", "-"),
        ("Lamp. 11 (satu) eksemplar", "1 (satu) eksemplar"),
        ("Lampiran : 11 (sebelas) berkas", "11 (sebelas) berkas"),
        ("Lampiran te", "-"),
    ],
)
def test_attachments(line, value):
    fields = letter_fields(_letter("Nomor : 005/1/Dinkes/2026", line, "Hal : X"))
    assert fields["attachments"]["value"] == value


def test_nota_dinas_table():
    text = (
        "PEMERINTAH KOTA MEDAN\nDINAS PERPUSTAKAAN DAN KEARSIPAN\nJalan Iskandar Muda No. 270\n\n"
        "NOTA DINAS\n"
        "Kepada 1 Yth. Kepala Dinas Komunikasi dan Informatika\n"
        "Dari : Kepala Dinas Perpustakaan dan Kearsipan\n"
        "Tembusan : Sekretaris Daerah\n"
        "Tanggal : 13 Agustus 2026\n"
        "Nomor : 000.9.9.4/980/Dispusip\n"
        "Sifat : Biasa\n"
        "Lampiran : 1 (satu) berkas\n"
        "Hal : Permintaan Peminjaman Ruang Rapat\n\n"
        "Sehubungan dengan kegiatan pemindahan arsip inaktif, kami mohon bantuan.\n"
    )
    fields = letter_fields(text)
    assert fields["addressee"]["value"] == "Kepala Dinas Komunikasi dan Informatika"
    assert fields["date"]["value"] == "2026-08-13"
    assert fields["number"]["value"] == "000.9.9.4/980/Dispusip"
    assert fields["subject"]["value"] == "Permintaan Peminjaman Ruang Rapat"
    assert fields["sender"]["value"] == "Dinas Perpustakaan dan Kearsipan"


def test_addressee_on_two_lines_after_kepada_yth():
    text = _letter("Nomor : 005/1/Dinkes/2026", "Hal : X", top="").replace(
        "Yth.\nSekretaris Daerah\n",
        "Kepada Yth.\nKepala Dinas Komunikasi dan\nInformatika Kota Medan\n",
    )
    assert letter_fields(text)["addressee"]["value"] == (
        "Kepala Dinas Komunikasi dan Informatika Kota Medan"
    )


def test_kop_of_several_lines_is_one_agency():
    text = (
        "PEMERINTAH KABUPATEN SLEMAN\nBADAN KEPEGAWAIAN DAN PENGEMBANGAN SUMBER\nDAYA MANUSIA\n"
        "Jalan Parasamya, Beran, Tridadi\n\nNomor : 800/1/BKPSDM/2026\n"
    )
    assert letter_fields(text)["sender"]["value"] == (
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"
    )


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n", "Lorem ipsum dolor sit amet.\nConsectetur adipiscing elit.", "%%%\n@@@ ###"],
)
def test_nothing_to_read_gives_nothing(text):
    assert letter_fields(text) == {}


def test_missing_fields_are_left_out():
    fields = letter_fields("Nomor : 005/1/Dinkes/2026\n\nDengan hormat,\n")
    assert set(fields) == {"number"}


@pytest.mark.parametrize(
    "line",
    [
        "Nomor : lihat di bawah",  # not shaped like a number
        "Kepala Bagian Umum : 005/1/X",  # not a label of the block
        "Hari/Tanggal : Senin, 14 Desember 2026",  # an event's date, not the letter's
    ],
)
def test_wrong_labels_are_not_read(line):
    fields = letter_fields(f"{line}\n\nDengan hormat,\n")
    assert "number" not in fields
    assert "date" not in fields or fields["date"]["confidence"] <= 0.5


def test_guessed_number_without_label_is_unsure():
    fields = letter_fields("SURAT PENGANTAR\n005/77/Dinkes/2026\n\nDengan hormat,\n")
    assert fields["number"] == {"value": "005/77/Dinkes/2026", "confidence": 0.4}
