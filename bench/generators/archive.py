"""City-scale archive records for benchmarks, written with bulk COPY (`manage.py
generate_archive_data --records 1000000` runs it).

Needs tenants with a file plan and units (e.g. `manage.py generate_load_data` first). Records
are filed directly (no source document), spread over each tenant's classifications, units,
ten years of dates and the four security levels, with Indonesian titles, letter numbers like
"800/1234/DISKOMINFO/2024", sender names, 50–100 words of text and, for one in five, the text
of an attachment. The search indexes are dropped during the load and built once at the end
(much faster than maintaining a GIN index row by row); the search vocabulary is filled by the
record table's trigger as the rows are copied. Each tenant gets an archivist of the
whole file plan (`arsiparis_<tenant>`, a records officer of the tenant) when it has none.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from archive.choices import Medium, RecordState
from archive.models import Classification, Record, add_years
from organizations.choices import RoleKind
from organizations.models import Assignment, Tenant, Unit, UnitRole
from workflows.choices import SecurityLevel

from .mail import TOPICS as LETTER_TOPICS

KINDS = [
    "Undangan Rapat Koordinasi",
    "Undangan Sosialisasi",
    "Permohonan Data",
    "Laporan Realisasi Anggaran",
    "Penyampaian Hasil Monitoring",
    "Pemberitahuan Jadwal",
    "Permintaan Narasumber",
    "Usulan Kegiatan",
    "Tindak Lanjut Temuan",
    "Penyampaian Laporan Kinerja",
    "Surat Edaran tentang",
    "Keputusan Wali Kota tentang",
    "Nota Dinas",
    "Berita Acara Serah Terima",
    "Rekomendasi Perizinan",
    "Peminjaman Gedung untuk",
]
# The letters' topics first, then what only the archive holds.
TOPICS = [
    *LETTER_TOPICS,
    "Pembangunan Drainase",
    "Bantuan Sosial Tunai",
    "Penertiban Reklame",
    "Festival Budaya Melayu",
    "Sertifikasi Guru",
    "Izin Mendirikan Bangunan",
    "Pengelolaan Sampah Terpadu",
    "Penanggulangan Demam Berdarah",
    "Satu Data Indonesia",
    "Sistem Pemerintahan Berbasis Elektronik",
    "Pemilihan Kepala Lingkungan",
    "Ketahanan Pangan",
    "Rumah Tidak Layak Huni",
    "Penyaluran Pupuk Bersubsidi",
    "Retribusi Parkir",
    "Pengawasan Minuman Beralkohol",
    "Pelatihan Kerja Pemuda",
    "Hari Jadi Kota",
]
PLACES = [
    "Kecamatan Medan Baru",
    "Kecamatan Medan Kota",
    "Kecamatan Medan Johor",
    "Kelurahan Sei Sikambing",
    "Kecamatan Ciledug",
    "Kecamatan Karawaci",
    "Kelurahan Cikokol",
    "Kecamatan Sungai Kunjang",
    "Kecamatan Samarinda Ulu",
    "Kelurahan Air Putih",
    "Tahun Anggaran 2024",
    "Tahun Anggaran 2025",
]
FIRST = [
    "Andi",
    "Budi",
    "Citra",
    "Dewi",
    "Eko",
    "Fitri",
    "Gita",
    "Hendra",
    "Indah",
    "Joko",
    "Kurniawan",
    "Lestari",
    "Maimunah",
    "Nurhayati",
    "Oktaviani",
    "Putri",
    "Rahmat",
    "Sri",
    "Taufik",
    "Utami",
    "Wahyudi",
    "Yusuf",
    "Zulkifli",
    "Agus",
    "Bambang",
]
LAST = [
    "Siregar",
    "Nasution",
    "Lubis",
    "Harahap",
    "Simanjuntak",
    "Pratama",
    "Saragih",
    "Tarigan",
    "Ginting",
    "Sembiring",
    "Hutapea",
    "Pane",
    "Daulay",
    "Batubara",
    "Purba",
    "Sitompul",
    "Wijaya",
    "Santoso",
    "Hidayat",
    "Rangkuti",
]
# Words of the body text, most frequent first (drawn with Zipf-like weights, as real text is).
VOCABULARY = [
    "dan",
    "yang",
    "untuk",
    "dengan",
    "dalam",
    "pada",
    "dari",
    "ini",
    "kegiatan",
    "pelaksanaan",
    "sehubungan",
    "kami",
    "bahwa",
    "oleh",
    "agar",
    "dapat",
    "sebagai",
    "surat",
    "tersebut",
    "perlu",
    "tahun",
    "anggaran",
    "data",
    "pemerintah",
    "kota",
    "dinas",
    "bidang",
    "laporan",
    "rapat",
    "koordinasi",
    "mohon",
    "hadir",
    "undangan",
    "mengundang",
    "diundang",
    "pelayanan",
    "masyarakat",
    "program",
    "daerah",
    "kepala",
    "bagian",
    "seksi",
    "hasil",
    "tindak",
    "lanjut",
    "sesuai",
    "ketentuan",
    "peraturan",
    "wali",
    "pembangunan",
    "pengadaan",
    "barang",
    "jasa",
    "pekerjaan",
    "kontrak",
    "realisasi",
    "belanja",
    "pendapatan",
    "pajak",
    "retribusi",
    "monitoring",
    "evaluasi",
    "capaian",
    "kinerja",
    "indikator",
    "target",
    "triwulan",
    "semester",
    "rencana",
    "strategis",
    "usulan",
    "musyawarah",
    "perencanaan",
    "kecamatan",
    "kelurahan",
    "lingkungan",
    "warga",
    "penduduk",
    "kesehatan",
    "pendidikan",
    "sekolah",
    "guru",
    "murid",
    "vaksinasi",
    "imunisasi",
    "posyandu",
    "stunting",
    "gizi",
    "balita",
    "banjir",
    "drainase",
    "sungai",
    "saluran",
    "genangan",
    "pompa",
    "bencana",
    "kesiapsiagaan",
    "relawan",
    "evakuasi",
    "pasar",
    "pedagang",
    "kebersihan",
    "sampah",
    "pengangkutan",
    "armada",
    "tempat",
    "pembuangan",
    "akhir",
    "daur",
    "ulang",
    "jalan",
    "jembatan",
    "perbaikan",
    "pemeliharaan",
    "aspal",
    "trotoar",
    "penerangan",
    "lampu",
    "taman",
    "ruang",
    "terbuka",
    "hijau",
    "perizinan",
    "izin",
    "bangunan",
    "reklame",
    "penertiban",
    "pengawasan",
    "satpol",
    "pamong",
    "praja",
    "ketertiban",
    "digital",
    "aplikasi",
    "sistem",
    "informasi",
    "jaringan",
    "server",
    "data",
    "terpadu",
    "integrasi",
    "layanan",
    "elektronik",
    "arsip",
    "dinamis",
    "inaktif",
    "penataan",
    "penyusutan",
    "pemusnahan",
    "jadwal",
    "retensi",
    "klasifikasi",
    "berkas",
    "pegawai",
    "aparatur",
    "sipil",
    "negara",
    "jabatan",
    "mutasi",
    "promosi",
    "cuti",
    "disiplin",
    "pelatihan",
    "bimbingan",
    "teknis",
    "narasumber",
    "peserta",
    "tempat",
    "waktu",
    "acara",
    "ruang",
    "aula",
    "lantai",
    "gedung",
    "kantor",
    "pukul",
    "wib",
    "hari",
    "tanggal",
    "demikian",
    "disampaikan",
    "atas",
    "perhatian",
    "kerjasama",
    "diucapkan",
    "terima",
    "kasih",
    "hormat",
    "tembusan",
    "yth",
    "bantuan",
    "sosial",
    "penerima",
    "manfaat",
    "verifikasi",
    "validasi",
    "calon",
    "penyaluran",
    "tunai",
    "bahan",
    "pokok",
    "budaya",
    "festival",
    "pariwisata",
    "promosi",
    "wisata",
    "kuliner",
    "seni",
    "tari",
    "musik",
    "pameran",
    "kerajinan",
    "pertanian",
    "pangan",
    "pupuk",
    "benih",
    "irigasi",
    "nelayan",
    "perikanan",
    "peternakan",
    "hewan",
    "kurban",
    "pemotongan",
]
ATTACHMENT = [
    "lampiran",
    "daftar",
    "hadir",
    "peserta",
    "rekapitulasi",
    "tabel",
    "jumlah",
    "nilai",
    "rupiah",
    "persen",
    "keterangan",
    "nomor",
    "urut",
    "nama",
    "jabatan",
    "instansi",
    "alamat",
    "telepon",
    "tanda",
    "tangan",
    "catatan",
    "realisasi",
    "target",
    "sisa",
]
SECURITY = [
    (SecurityLevel.BIASA, 70),
    (SecurityLevel.TERBATAS, 20),
    (SecurityLevel.RAHASIA, 8),
    (SecurityLevel.SANGAT_RAHASIA, 2),
]
MEDIUM = [(Medium.DIGITAL, 70), (Medium.PAPER, 20), (Medium.BOTH, 10)]

COLUMNS = [
    "tenant_id",
    "title",
    "description",
    "number",
    "sender",
    "body",
    "attachment_text",
    "classification_id",
    "unit_id",
    "document_date",
    "medium",
    "quantity",
    "building",
    "room",
    "shelf",
    "box",
    "folder",
    "security",
    "is_vital",
    "state",
    "fate",
    "active_until",
    "inactive_until",
    "source_url",
    "thread_key",
    "filed_at",
    "updated_at",
]
INDEXES = {
    "archive_record_search": "USING gin (search_vector)",
    "archive_record_number_trgm": "USING gin (number gin_trgm_ops)",
    "archive_record_title_trgm": "USING gin (title gin_trgm_ops)",
    "archive_record_sender_trgm": "USING gin (sender gin_trgm_ops)",
    "archive_record_number_prefix": "(tenant_id, upper(number::text) text_pattern_ops) INCLUDE (id)",
}


def _weights(n: int) -> list[float]:
    return [1 / (rank + 2) for rank in range(n)]


class ArchiveGenerator:
    """Fills `archive_record` of an empty benchmark database; `run()` raises RuntimeError when
    the database cannot take the load (not PostgreSQL, no tenant, no file plan)."""

    def __init__(
        self,
        *,
        records: int,
        batch: int = 20_000,
        years: int = 10,
        seed: int = 20261123,
        log: Callable[[str], object] = print,
    ) -> None:
        self.records, self.batch, self.years = records, batch, years
        self.seed, self.log = seed, log

    def run(self) -> int:
        """Copy the records in batches, then build the search indexes; returns how many."""
        if connection.vendor != "postgresql":
            raise RuntimeError("generate_archive_data writes with COPY: use PostgreSQL")
        tenants = list(Tenant.objects.order_by("pk"))
        if not tenants:
            raise RuntimeError("no tenants: run generate_load_data (or load a tenant file) first")
        rng = random.Random(self.seed)
        today = timezone.localdate()
        worlds = [self._world(t) for t in tenants]
        worlds = [w for w in worlds if w["codes"] and w["units"]]
        if not worlds:
            raise RuntimeError("no tenant has a file plan and units")
        # The first tenant holds most records (a big city next to a smaller one).
        shares = [3] + [1] * (len(worlds) - 1)
        vocab_w = _weights(len(VOCABULARY))
        started = time.monotonic()
        self._drop_indexes()
        done = 0
        while done < self.records:
            n = min(self.batch, self.records - done)
            rows = [
                self._row(rng.choices(worlds, shares)[0], rng, today, vocab_w) for _ in range(n)
            ]
            with transaction.atomic(), connection.cursor() as cursor:
                cols = ", ".join(COLUMNS)
                with cursor.cursor.copy(f"COPY archive_record ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            done += n
            rate = done / max(time.monotonic() - started, 1e-6)
            self.log(f"  {done:>9,} records ({rate:,.0f}/s)")
        self.log("building the search indexes…")
        self._create_indexes()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE archive_record")
        return done

    def _world(self, tenant: Tenant) -> dict:
        codes = list(Classification.objects.filter(tenant=tenant, is_active=True, depth__gte=2))
        units = list(Unit.objects.filter(tenant=tenant).values_list("pk", "code"))
        if not UnitRole.objects.filter(
            tenant=tenant, kind=RoleKind.RECORDS_OFFICER, unit__isnull=True
        ).exists():
            holder = (
                Assignment.objects.filter(tenant=tenant, end_date__isnull=True)
                .order_by("user_id")
                .values_list("user_id", flat=True)
                .first()
            )
            if holder is not None:
                UnitRole.objects.create(
                    tenant=tenant, user_id=holder, kind=RoleKind.RECORDS_OFFICER, unit=None
                )
        return {"tenant": tenant, "codes": codes, "units": units, "seq": {}}

    def _row(self, world: dict, rng: random.Random, today: dt.date, vocab_w) -> tuple:
        code: Classification = rng.choice(world["codes"])
        unit_id, unit_code = rng.choice(world["units"])
        day = today - dt.timedelta(days=rng.randrange(1, 365 * self.years))
        key = (code.code.split(".")[0], day.year)
        seq = world["seq"][key] = world["seq"].get(key, 0) + 1
        number = f"{key[0]}/{seq}/{unit_code}/{day.year}"
        title = f"{rng.choice(KINDS)} {rng.choice(TOPICS)}"
        if rng.random() < 0.5:
            title += f" {rng.choice(PLACES)}"
        sender = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        body = " ".join(rng.choices(VOCABULARY, vocab_w, k=rng.randint(50, 100)))
        body = f"{title}. {body}."
        attachment = ""
        if rng.random() < 0.2:
            attachment = " ".join(rng.choices(ATTACHMENT + VOCABULARY[:80], k=40))
        medium = rng.choices(*zip(*MEDIUM, strict=True))[0]
        paper = medium != Medium.DIGITAL
        security = rng.choices(*zip(*SECURITY, strict=True))[0]
        active_until = add_years(day, code.active_years)
        inactive_until = add_years(active_until, code.inactive_years)
        state = RecordState.ACTIVE if active_until > today else RecordState.INACTIVE
        filed = dt.datetime.combine(day, dt.time(9), dt.UTC)
        return (
            world["tenant"].pk,
            title[:300],
            "",
            number,
            sender,
            body,
            attachment,
            code.pk,
            unit_id,
            day,
            medium,
            1,
            "Gedung Arsip" if paper else "",
            "",
            f"R{rng.randint(1, 40)}" if paper else "",
            f"B-{rng.randint(1, 999):03d}" if paper else "",
            "",
            security,
            rng.random() < 0.02,
            state,
            code.fate,
            active_until,
            inactive_until,
            "",
            "",
            filed,
            filed,
        )

    def _drop_indexes(self) -> None:
        with connection.cursor() as cursor:
            for name in INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def _create_indexes(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, spec in INDEXES.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON archive_record {spec}")


# The record model is imported so a renamed table fails loudly here rather than in COPY.
assert Record._meta.db_table == "archive_record"
