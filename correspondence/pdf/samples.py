"""Realistic sample letters for every type: used by the PDF tests, `docs/samples/` and
`bench/pdf.py`."""

from __future__ import annotations

import datetime as dt

from core.dates import date_long, day_date_long

from . import render

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

TYPES = [
    ("surat_dinas", "Surat Dinas"),
    ("nota_dinas", "Nota Dinas"),
    ("undangan", "Surat Undangan"),
    ("surat_edaran", "Surat Edaran"),
    ("surat_tugas", "Surat Tugas"),
    ("memo", "Memo"),
    ("surat_keterangan", "Surat Keterangan"),
    ("surat_keputusan", "Surat Keputusan"),
    ("berita_acara", "Berita Acara"),
    ("surat_kuasa", "Surat Kuasa"),
    ("telaahan_staf", "Telaahan Staf"),
]

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
    """A sample letter of a type for the layout samples. Long because it is one literal
    document, field by field (letterhead, signers, recipients, event); splitting it would
    scatter the sample a reader checks against the rendered page."""
    day = dt.date(2026, 11, 23)
    body = BODY * (3 if long else 1)
    multiple = type_code == "berita_acara"
    signatures = [
        render.SignatureBlock(
            prefix="",
            title="Kepala Dinas Komunikasi dan Informatika",
            name="Ir. Budi Hasibuan, M.M.",
            nip="197001011995031001",
            rank="Pembina Utama Muda",
        ),
    ]
    if multiple:
        signatures.insert(
            0,
            render.SignatureBlock(
                prefix="Plt.",
                title="Kepala Bidang Teknologi Informasi dan Komunikasi",
                name="Siti Rahmawati, S.Kom.",
                nip="198203152006042003",
            ),
        )
    return render.LetterDoc(
        type_code=type_code,
        type_name=type_name,
        letterhead=render.Letterhead(
            government="Pemerintah Kota Medan",
            unit="Dinas Komunikasi dan Informatika",
            address_lines=[
                "Jalan Kapten Maulana Lubis Nomor 2, Medan 20112",
                "Telepon (061) 4512412 · kominfo@pemkomedan.go.id",
            ],
        ),
        number=f"{seq}/400.14.1/KOMINFO/XI/2026",
        security="Biasa",
        attachments_label="1 (satu) berkas",
        subject=f"{type_name}: Inventarisasi Aplikasi Perangkat Daerah",
        place_date=f"Medan, {date_long(day)}",
        addressees=["Kepala Perangkat Daerah", "di Lingkungan Pemerintah Kota Medan"],
        body_html=body,
        signatures=signatures,
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
