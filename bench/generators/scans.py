"""Generated paper letters, scanned: test data for OCR and the fields read from a letter.

    scan_set(n, seed) -> [Scan(image_bytes, pdf_bytes, truth, layout)]

Each letter is drawn with reportlab in one of the layouts Indonesian offices use (a surat
dinas with its Nomor/Sifat/Lampiran/Hal block and the date at the right; the older one with
the date on the Nomor line; a nota dinas with its Kepada/Dari/Tanggal/… table; a surat edaran
and an undangan with the NOMOR under the title), rasterised at 200 dpi with pypdfium2, then
given speckle noise and a slight skew with Pillow, as a flatbed scanner would. `truth` holds
the fields as `intake.fields.letter_fields` should read them. The same seed gives the same
letters.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from core.dates import DAYS, MONTHS

DPI = 200
LAYOUTS = ("standard", "date_on_nomor", "nota_dinas", "edaran", "undangan")
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]

CITIES = [
    ("KOTA", "Bandung"),
    ("KOTA", "Medan"),
    ("KOTA", "Surabaya"),
    ("KABUPATEN", "Sleman"),
    ("KABUPATEN", "Kudus"),
    ("KOTA", "Pekalongan"),
    ("PROVINSI", "Jawa Barat"),
    ("KOTA", "Samarinda"),
]
AGENCIES = [
    ("Dinas Komunikasi dan Informatika", "Diskominfo"),
    ("Dinas Kesehatan", "Dinkes"),
    ("Badan Perencanaan Pembangunan Daerah", "Bappeda"),
    ("Dinas Pendidikan", "Disdik"),
    ("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM"),
    ("Dinas Perpustakaan dan Kearsipan", "Dispusip"),
    ("Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD"),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "DPUPR"),
    ("Sekretariat Daerah", "Setda"),
]
SUBJECTS = [
    "Undangan Rapat Koordinasi",
    "Permohonan Data Kepegawaian",
    "Usulan Kenaikan Pangkat Pegawai Negeri Sipil Periode April",
    "Laporan Realisasi Anggaran Triwulan III",
    "Pemberitahuan Pemadaman Jaringan Internet",
    "Permohonan Narasumber Sosialisasi Keterbukaan Informasi Publik",
    "Penyampaian Rencana Kerja Perangkat Daerah Tahun 2027",
    "Undangan Bimbingan Teknis Aplikasi Srikandi bagi Pengelola Arsip",
    "Pelaksanaan Vaksinasi Pegawai",
    "Penyusunan Standar Operasional Prosedur Pelayanan Perizinan",
    "Permintaan Peminjaman Ruang Rapat",
    "Monitoring dan Evaluasi Penyelenggaraan Sistem Pemerintahan Berbasis Elektronik",
    "Pengiriman Peserta Pelatihan Kearsipan",
    "Penyampaian Hasil Pemeriksaan Inspektorat",
]
ADDRESSEES = [
    "Kepala Dinas Komunikasi dan Informatika Kota Medan",
    "Sekretaris Daerah Kota Medan",
    "Kepala Badan Perencanaan Pembangunan Daerah",
    "Camat Medan Baru",
    "Kepala Dinas Kesehatan Kota Medan",
    "Bapak/Ibu Kepala Perangkat Daerah",
]
SECURITY = {"Biasa": "biasa", "Terbatas": "terbatas", "Rahasia": "rahasia"}
URGENCY = {"Segera": "segera", "Sangat Segera": "sangat_segera"}
ATTACHMENTS = ["-", "1 (satu) berkas", "2 (dua) lembar", "1 (satu) eksemplar", "3 (tiga) berkas"]
NAMES = ["Drs. H. Ahmad Fauzi, M.Si.", "Ir. Siti Rahmawati, M.T.", "dr. Budi Santoso, M.Kes."]
BODY = (
    "Sehubungan dengan pelaksanaan kegiatan tersebut di atas, bersama ini kami sampaikan "
    "bahwa kegiatan akan dilaksanakan sesuai jadwal. Demikian disampaikan, atas perhatian "
    "dan kerja samanya diucapkan terima kasih."
)


@dataclass(frozen=True)
class Scan:
    image_bytes: bytes  # PNG, 200 dpi
    pdf_bytes: bytes  # the same image as a one-page PDF without text
    truth: dict = field(hash=False)
    layout: str = ""


def _number(rng: random.Random, short: str, date: dt.date) -> str:
    n = rng.randint(1, 2400)
    kind = rng.randrange(5)
    if kind == 0:
        return f"{rng.choice(['005', '800', '900', '045'])}/{n}/{short}/{date.year}"
    if kind == 1:
        return f"000.{rng.randint(1, 9)}.{rng.randint(1, 9)}.{rng.randint(1, 9)}/{n}/{short}"
    if kind == 2:
        return f"{rng.choice('BR')}-{n}/{short}/KP.07.6/{date.month:02d}/{date.year}"
    if kind == 3:
        return f"800.1/{n}/{short}/{ROMAN[date.month - 1]}/{date.year}"
    return f"400.7.22/{n}-{short}/{date.year}"


def letter_truth(rng: random.Random) -> dict:
    """The fields of one random letter, and what it needs to be drawn."""
    level, city = rng.choice(CITIES)
    agency, short = rng.choice(AGENCIES)
    date = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(700))
    sifat = rng.choice([*SECURITY, *URGENCY])
    event = date + dt.timedelta(days=rng.randint(3, 20))
    truth = {
        "number": _number(rng, short, date),
        "date": date.isoformat(),
        "subject": rng.choice(SUBJECTS),
        "sender": agency,
        "attachments": rng.choice(ATTACHMENTS),
        "addressee": rng.choice(ADDRESSEES),
    }
    truth["security" if sifat in SECURITY else "urgency"] = {**SECURITY, **URGENCY}[sifat]
    draw = {
        "government": f"PEMERINTAH {level} {city.upper()}",
        "city": city,
        "sifat": sifat,
        "date_text": f"{date.day} {MONTHS[date.month - 1]} {date.year}",
        "signer": rng.choice(NAMES),
        "font": rng.choice(["Times-Roman", "Helvetica"]),
        "event_text": f"{DAYS[event.weekday()]}, {event.day} {MONTHS[event.month - 1]} {event.year}",
    }
    return {"truth": truth, "draw": draw}


class _Page:
    """A reportlab canvas with a text cursor: left margin 2.5 cm, 11–12 pt lines."""

    def __init__(self, font: str):
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen.canvas import Canvas

        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=A4)
        self.width, self.height = A4
        self.font, self.bold = font, font.split("-")[0] + "-Bold"
        self.left, self.right = 71, self.width - 57
        self.y = self.height - 60

    def line(self, text: str, *, x: float | None = None, size=12, bold=False, step=17):
        self.canvas.setFont(self.bold if bold else self.font, size)
        self.canvas.drawString(self.left if x is None else x, self.y, text)
        self.y -= step

    def center(self, text: str, *, size=12, bold=False, step=17):
        self.canvas.setFont(self.bold if bold else self.font, size)
        self.canvas.drawCentredString(self.width / 2, self.y, text)
        self.y -= step

    def at_right(self, text: str, *, size=12):
        self.canvas.setFont(self.font, size)
        self.canvas.drawRightString(self.right, self.y, text)

    def wrap(self, text: str, width: float, size=12) -> list[str]:
        from reportlab.lib.utils import simpleSplit

        return simpleSplit(text, self.font, size, width)

    def pdf(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def _kop(page: _Page, d: dict, agency: str) -> None:
    page.center(d["government"], size=14, bold=True, step=19)
    for part in page.wrap(agency.upper(), page.right - page.left - 60, 15):
        page.center(part, size=15, bold=True, step=19)
    page.center(f"Jalan Merdeka No. 12, {d['city']} - Telepon (022) 4234567", size=9, step=8)
    page.canvas.setLineWidth(2)
    page.canvas.line(page.left, page.y, page.right, page.y)
    page.y -= 26


def _block(page: _Page, rows: list[tuple[str, str]], *, label_w=70, value_w=260) -> None:
    """Label, colon and value rows; a long value wraps under itself."""
    for label, value in rows:
        parts = page.wrap(value, value_w) or [""]
        page.line(label)
        page.y += 17
        page.line(":", x=page.left + label_w)
        page.y += 17
        for part in parts:
            page.line(part, x=page.left + label_w + 10)


def _addressee(page: _Page, t: dict, *, x: float | None = None) -> None:
    page.y -= 6
    page.line("Yth.", x=x)
    for part in page.wrap(t["addressee"], 220 if x else 300):
        page.line(part, x=x)
    page.line("di", x=x)
    page.line("     Tempat", x=x)
    page.y -= 10


def _body_and_signature(page: _Page, d: dict, *, dated: bool = False) -> None:
    for part in page.wrap(BODY, page.right - page.left - 40):
        page.line(part, x=page.left + 40)
    page.y -= 20
    x = page.width / 2 + 30
    if dated:
        page.line(f"{d['city']}, {d['date_text']}", x=x)
    page.line("KEPALA DINAS,", x=x, bold=True)
    page.y -= 50
    page.line(d["signer"], x=x, bold=True)


def _standard(page: _Page, t: dict, d: dict) -> None:
    page.at_right(f"{d['city']}, {d['date_text']}")
    page.y -= 24
    rows = [("Nomor", t["number"]), ("Sifat", d["sifat"]), ("Lampiran", t["attachments"])]
    _block(page, [*rows, ("Hal", t["subject"])])
    _addressee(page, t)
    _body_and_signature(page, d)


def _date_on_nomor(page: _Page, t: dict, d: dict) -> None:
    # The addressee stands under the block, at the right: beside a wrapped Hal, Tesseract
    # reads the two columns interleaved (see intake.fields).
    page.at_right(f"{d['city']}, {d['date_text']}")
    rows = [("Nomor", t["number"]), ("Sifat", d["sifat"]), ("Lamp.", t["attachments"])]
    _block(page, [*rows, ("Perihal", t["subject"])], value_w=200)
    x = page.width / 2 + 40
    page.line("Kepada", x=x)
    _addressee(page, t, x=x)
    _body_and_signature(page, d)


def _nota_dinas(page: _Page, t: dict, d: dict) -> None:
    page.center("NOTA DINAS", size=13, bold=True, step=26)
    rows = [
        ("Kepada", "Yth. " + t["addressee"]),
        ("Dari", "Kepala " + t["sender"]),
        ("Tanggal", d["date_text"]),
        ("Nomor", t["number"]),
        ("Sifat", d["sifat"]),
        ("Lampiran", t["attachments"]),
        ("Hal", t["subject"]),
    ]
    _block(page, rows, label_w=80, value_w=330)
    page.canvas.line(page.left, page.y + 6, page.right, page.y + 6)
    page.y -= 14
    _body_and_signature(page, d)


def _edaran(page: _Page, t: dict, d: dict) -> None:
    for name in ("attachments", "security", "urgency"):  # a circular carries neither
        t.pop(name, None)
    page.center("SURAT EDARAN", size=13, bold=True)
    page.center(f"NOMOR {t['number']}", step=22)
    page.center("TENTANG", step=17)
    for part in page.wrap(t["subject"].upper(), 380):
        page.center(part)
    page.y -= 10
    _addressee(page, t)
    _body_and_signature(page, d, dated=True)


def _undangan(page: _Page, t: dict, d: dict) -> None:
    page.center("UNDANGAN", size=13, bold=True)
    page.center(f"NOMOR : {t['number']}", step=28)
    rows = [("Sifat", d["sifat"]), ("Lampiran", t["attachments"]), ("Hal", t["subject"])]
    _block(page, rows)
    _addressee(page, t)
    page.line("Mengharap kehadiran Bapak/Ibu pada:", x=page.left + 40)
    event = [("Hari/Tanggal", d["event_text"]), ("Pukul", "09.00 WIB - selesai")]
    page.left += 40
    _block(page, [*event, ("Tempat", "Ruang Rapat Lantai 2")], label_w=90)
    page.left -= 40
    page.y -= 10
    _body_and_signature(page, d, dated=True)


DRAW = {
    "standard": _standard,
    "date_on_nomor": _date_on_nomor,
    "nota_dinas": _nota_dinas,
    "edaran": _edaran,
    "undangan": _undangan,
}


def letter_pdf(layout: str, letter: dict) -> bytes:
    """One letter drawn as a text PDF (before scanning)."""
    page = _Page(letter["draw"]["font"])
    _kop(page, letter["draw"], letter["truth"]["sender"])
    DRAW[layout](page, letter["truth"], letter["draw"])
    return page.pdf()


def scanned(pdf: bytes, rng: random.Random, *, noise: float = 1.0):
    """The first page at 200 dpi in grey, speckled and turned by up to ±1°: a PIL image."""
    import pypdfium2
    from PIL import Image, ImageDraw, ImageFilter

    doc = pypdfium2.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=DPI / 72).to_pil().convert("L")
    finally:
        doc.close()
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for _ in range(int(4000 * noise)):
        x, y = rng.randrange(w), rng.randrange(h)
        draw.point((x, y), fill=rng.choice((0, 90, 160)))
    image = image.filter(ImageFilter.GaussianBlur(0.4 * noise))
    angle = rng.uniform(-1.0, 1.0) * noise
    return image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)


def scan_of(image) -> tuple[bytes, bytes]:
    """(PNG, image-only PDF) of a page image, both saying 200 dpi."""
    png, pdf = io.BytesIO(), io.BytesIO()
    image.save(png, format="PNG", dpi=(DPI, DPI), optimize=True)
    image.save(pdf, format="PDF", resolution=DPI)
    return png.getvalue(), pdf.getvalue()


def scan_set(n: int, seed: int = 29, *, layouts=LAYOUTS, noise: float = 1.0) -> list[Scan]:
    """`n` scanned letters, the layouts taken in turn."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        layout = layouts[i % len(layouts)]
        letter = letter_truth(rng)
        image = scanned(letter_pdf(layout, letter), rng, noise=noise)
        png, pdf = scan_of(image)
        out.append(Scan(png, pdf, letter["truth"], layout))
    return out
