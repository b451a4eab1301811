"""Realistic sample letters for every type: used by the PDF tests, `docs/samples/` and
`bench/pdf.py`."""

from __future__ import annotations

import datetime as dt

from core.dates import date_long, day_date_long

from ..layouts import layout_build, titles_allowed
from ..services.defaults import DEFAULT_TYPES
from . import render
from .signature import Authority, SignatureBlock, party_label, signature_block

BODY = """
<p>Dengan hormat,</p>
<p>Sehubungan dengan pelaksanaan <b>Sistem Pemerintahan Berbasis Elektronik (SPBE)</b> di
lingkungan Pemerintah Kota Medan tahun anggaran 2026, bersama ini kami sampaikan hal-hal
sebagai berikut:</p>
<ol>
<li>Setiap perangkat daerah agar menyampaikan <i>inventarisasi aplikasi</i> yang masih
digunakan, termasuk aplikasi yang sudah tidak aktif;</li>
<li>Data disampaikan paling lambat tanggal 30 November 2026 melalui aplikasi naskah dinas
elektronik;</li>
<li>Narahubung teknis dari masing-masing perangkat daerah ditetapkan dengan surat tugas.</li>
</ol>
<table>
<tr><th>No</th><th>Perangkat Daerah</th><th>Jumlah Aplikasi</th><th>Tidak Aktif</th></tr>
<tr><td>1</td><td>Dinas Komunikasi dan Informatika</td><td>12</td><td>2</td></tr>
<tr><td>2</td><td>Badan Perencanaan Pembangunan Daerah</td><td>7</td><td>1</td></tr>
<tr><td>3</td><td>Dinas Kesehatan</td><td>19</td><td>4</td></tr>
</table>
<p>Hal-hal yang perlu diperhatikan:</p>
<ul><li>kerahasiaan data pribadi tetap dijaga;</li><li>berkas dikirim dalam format PDF.</li></ul>
<p>Demikian disampaikan, atas perhatian dan kerja sama Saudara diucapkan terima kasih.</p>
"""

TYPES = [(code, name) for code, name, *_ in DEFAULT_TYPES]

HEAD = Authority(title="KEPALA DINAS KOMUNIKASI DAN INFORMATIKA KOTA MEDAN")
HEAD_NAME, HEAD_NIP, HEAD_RANK = (
    "Ir. Budi Hasibuan, M.M.",
    "197205121998031004",
    "Pembina Utama Muda (IV/c)",
)

PEOPLE = [
    {
        "name": "Fajar Nasution, S.Kom., M.T.I.",
        "nip": "198811092012121001",
        "rank": "Penata Tingkat I (III/d)",
        "position": "Kepala Seksi Aplikasi Informatika",
    },
    {
        "name": "Rina Siregar, S.T.",
        "nip": "199204182019032011",
        "rank": "Penata Muda Tingkat I (III/b)",
        "position": "Pranata Komputer Ahli Muda",
    },
]
PARTIES = [
    {
        "label": "",
        "name": "Ir. Budi Hasibuan, M.M.",
        "nip": "197205121998031004",
        "position": "Kepala Dinas Komunikasi dan Informatika Kota Medan",
    },
    {
        "label": "",
        "name": "Dra. Sri Wahyuni Lubis, M.Si.",
        "nip": "197601232000032002",
        "position": "Kepala Bidang Teknologi Informasi dan Komunikasi",
    },
]
PARTS: dict[str, dict] = {
    "undangan": {
        "acara": "Rapat koordinasi inventarisasi aplikasi perangkat daerah",
        "penutup": "<p>Mengingat pentingnya acara dimaksud, kehadiran Saudara tepat waktu sangat "
        "diharapkan. Atas perhatiannya diucapkan terima kasih.</p>",
    },
    "surat_keputusan": {
        "menimbang": [
            (
                "bahwa dalam rangka inventarisasi aplikasi perangkat daerah perlu dibentuk tim "
                "pelaksana;"
            ),
            (
                "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a, perlu "
                "menetapkan Keputusan Kepala Dinas tentang Tim Inventarisasi Aplikasi;"
            ),
        ],
        "mengingat": [
            "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah;",
            (
                "Peraturan Presiden Nomor 95 Tahun 2018 tentang Sistem Pemerintahan Berbasis "
                "Elektronik;"
            ),
            (
                "Peraturan Menteri Dalam Negeri Nomor 1 Tahun 2023 tentang Tata Naskah Dinas di "
                "Lingkungan Pemerintah Daerah;"
            ),
        ],
        "diktum": [
            (
                "Membentuk Tim Inventarisasi Aplikasi Perangkat Daerah dengan susunan sebagaimana "
                "tercantum dalam Lampiran Keputusan ini."
            ),
            "Tim sebagaimana dimaksud dalam Diktum KESATU bertugas menghimpun data aplikasi.",
            "Keputusan ini mulai berlaku pada tanggal ditetapkan.",
        ],
    },
    "instruksi": {
        "kepada": ["Kepala Perangkat Daerah", "Camat se-Kota Medan"],
        "diktum": [
            "Menyampaikan inventarisasi aplikasi paling lambat 30 November 2026.",
            "Menunjuk narahubung teknis di lingkungan masing-masing.",
        ],
    },
    "surat_perintah": {
        "dasar": ["Peraturan Wali Kota Medan Nomor 12 Tahun 2025 tentang SPBE."],
        "kepada": PEOPLE,
        "untuk": ["Melaksanakan inventarisasi aplikasi di lingkungan Pemerintah Kota Medan."],
    },
    "surat_tugas": {
        "dasar": [
            "Peraturan Wali Kota Medan Nomor 12 Tahun 2025 tentang SPBE;",
            "Surat Kepala Dinas Nomor 000.1.2/15/DISKOMINFO/2026.",
        ],
        "kepada": PEOPLE,
        "untuk": [
            "Melaksanakan inventarisasi aplikasi pada 21 kecamatan di Kota Medan;",
            "Melaporkan hasilnya kepada Kepala Dinas.",
        ],
    },
    "berita_acara": {"pihak": PARTIES},
    "surat_kuasa": {
        "pihak": [
            {**PARTIES[0], "label": "PEMBERI KUASA"},
            {**PARTIES[1], "label": "PENERIMA KUASA"},
        ]
    },
    "surat_keterangan": {"diterangkan": PEOPLE[:1]},
    "telaahan_staf": {
        "persoalan": "<p>Banyak aplikasi perangkat daerah yang tidak lagi digunakan.</p>",
        "praanggapan": "<p>Anggaran pemeliharaan aplikasi dapat dihemat.</p>",
        "fakta": "<p>Dari 140 aplikasi, 31 tidak aktif sejak 2024.</p>",
        "analisis": "<p>Penonaktifan aplikasi tidak aktif mengurangi risiko keamanan.</p>",
        "simpulan": "<p>Perlu inventarisasi dan penonaktifan terjadwal.</p>",
        "saran": "<p>Menetapkan surat edaran inventarisasi aplikasi.</p>",
    },
    "notula": {
        "rapat": "Rapat Koordinasi Inventarisasi Aplikasi",
        "pimpinan": "Kepala Dinas Komunikasi dan Informatika",
        "peserta": ["Kepala Bidang TIK", "Kepala Seksi Aplikasi Informatika", "Pranata Komputer"],
    },
}


def _signatures(layout, type_code: str) -> list[SignatureBlock]:
    titles = titles_allowed(layout)
    head = signature_block(HEAD, name=HEAD_NAME, nip=HEAD_NIP, rank=HEAD_RANK, titles=titles)
    if layout.signature != "parties":
        return [head]
    second = signature_block(
        Authority(title="KEPALA BIDANG TEKNOLOGI INFORMASI DAN KOMUNIKASI"),
        name="Dra. Sri Wahyuni Lubis, M.Si.",
        nip="197601232000032002",
        rank="Pembina (IV/a)",
        titles=titles,
    )
    labels = [p["label"] or party_label(i) for i, p in enumerate(PARTS[type_code]["pihak"], 1)]
    head.label, second.label = labels[0], labels[1]
    if type_code != "berita_acara":
        return [head, second]
    knows = signature_block(
        Authority(title="SEKRETARIS DAERAH KOTA MEDAN", regional_role="sekda"),
        name="Drs. Wiriya Alrahman, M.M.",
        titles=titles,
        label="Mengetahui",
    )
    return [head, second, knows]


CC = [
    "Wali Kota Medan",
    "Wakil Wali Kota Medan",
    "Sekretaris Daerah Kota Medan",
    "Inspektur Kota Medan",
    "Kepala Badan Perencanaan Pembangunan Daerah",
    "Kepala Badan Pengelolaan Keuangan dan Aset Daerah",
    "Kepala Dinas Kesehatan",
    "Kepala Dinas Pendidikan",
    "Kepala Dinas Perpustakaan dan Kearsipan",
    "Camat Medan Baru",
    "Camat Medan Kota",
    "Arsip",
]


def sample_doc(
    type_code: str, type_name: str, *, seq: int = 17, long: bool = True
) -> render.LetterDoc:
    """A sample letter of a type as the demo's Diskominfo would write it. Long because it is
    one literal document, field by field (letterhead, signers, recipients, event); splitting
    it would scatter the sample a reader checks against the rendered page."""
    day = dt.date(2026, 11, 23)
    layout = layout_build(type_code)
    body = BODY * (3 if long else 1) if layout.has_body else ""
    title = layout.title.replace("{authority}", HEAD.title)
    return render.LetterDoc(
        type_code=type_code,
        type_name=type_name,
        layout=layout,
        title=title,
        parts=PARTS.get(type_code, {}),
        letterhead=render.Letterhead(
            government="Pemerintah Kota Medan",
            unit="Dinas Komunikasi dan Informatika",
            address_lines=[
                "Jalan Kapten Maulana Lubis Nomor 2, Medan 20112",
                "Telepon (061) 4512412 · kominfo@pemkomedan.go.id",
            ],
        ),
        number=f"{seq}/400.14.1/KOMINFO/XI/2026",
        sifat="Biasa",
        attachments_count=1,
        subject=f"{type_name}: Inventarisasi Aplikasi Perangkat Daerah",
        place="Medan",
        date=date_long(day),
        addressees=["Kepala Perangkat Daerah di Lingkungan Pemerintah Kota Medan"],
        body_html=body,
        signatures=_signatures(layout, type_code),
        cc=CC,
        from_label="Kepala Dinas Komunikasi dan Informatika",
        event=render.EventBlock(
            day_date_long(day + dt.timedelta(days=3)),
            "09.00 WIB s.d. selesai",
            "Ruang Rapat II Balai Kota Medan",
        )
        if type_code == "undangan"
        else None,
        attachment_names=["Daftar aplikasi.xlsx"],
        verify_url="https://medan.localhost/v/ContohTokenVerifikasiNaskahDinas0123456789",
        signed_footer=(
            "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat "
            "elektronik yang diterbitkan oleh Naskah CA Pemerintah Kota Medan. Keaslian "
            "dokumen dapat diperiksa dengan memindai kode QR."
        ),
        document_id=f"medan-sample-{type_code}",
        tenant_name="Pemerintah Kota Medan",
    )
