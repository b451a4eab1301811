"""Archive search on a city-scale archive (PostgreSQL).

    .venv/bin/python bench/search.py [--database-url postgres://…/naskah_bench_search] [--n 5]

Needs the data of `make bench-archive-data` (1,000,000 records over three tenants, see the
Makefile). For fifty searches a civil servant or an archivist types (words, stems, number
fragments, misspelt names, with and without filters), runs `archive.search.record_search`
(the service the page and the API call: permission filter, match, rank, one page, total,
snippets) N times each, as the first tenant's archivist (the whole file plan) and as the staff
of one unit (the permission filter at its narrowest), and the same search as bare SQL (the
tenant's rows only, no permission filter, no ORM). Writes bench/results/search.json.
Targets (archive issue): p95 under 150 ms, and at most 1.5 × the bare SQL.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

from _setup import django_setup, summary_ms, write_result

# Fifty searches: words and phrases from the records' subjects (common to rare), Indonesian
# affixed forms that only the stemmer joins, letter-number fragments, misspelt names, and
# words with filters; plus word-less filtering.
WORDS = [
    "undangan rapat koordinasi", "undangan", "sosialisasi", "permohonan data",
    "laporan realisasi anggaran", "hasil monitoring", "jadwal", "narasumber", "usulan kegiatan",
    "tindak lanjut temuan", "laporan kinerja", "surat edaran", "keputusan wali kota",
    "nota dinas", "serah terima", "rekomendasi perizinan", "peminjaman gedung",
    "pelayanan publik", "penanganan banjir", "stunting", "pengadaan barang dan jasa",
    "transformasi digital", "kebersihan pasar", "pajak daerah", "musrenbang",
]  # fmt: skip
STEMS = ["mengundang", "pelaporan", "dilaporkan", "memohon", "penyampaian hasil",
         "kesiapsiagaan", "perbaikan jalan", "vaksinasi"]  # fmt: skip
NUMBERS = ["800/12", "005/1234", "900/7", "1234/", "400/55", "000/3"]
NAMES = ["Simanjutak", "Nasutiom", "Sembirng", "Hutape Agus"]
FILTERED = [
    ("laporan realisasi anggaran", {"date_from": "-3y"}),
    ("pengadaan barang", {"classification": "000"}),
    ("vaksinasi", {"medium": "paper"}),
    ("undangan", {"security": "rahasia"}),
    ("", {"security": "rahasia", "date_from": "-1y"}),
    ("", {"medium": "paper", "date_from": "-2y"}),
    ("", {"classification": "800"}),
]
SEARCHES = (
    [(f"words: {t}", t, {}) for t in WORDS]
    + [(f"stem: {t}", t, {}) for t in STEMS]
    + [(f"number: {t}", t, {}) for t in NUMBERS]
    + [(f"name: {t}", t, {}) for t in NAMES]
    + [(f"filtered: {t or '-'} {sorted(f)}", t, f) for t, f in FILTERED]
)
assert len(SEARCHES) == 50

BARE = """
    WITH q AS (SELECT (websearch_to_tsquery('indonesian'::regconfig, %(text)s)
                       || to_tsquery('simple'::regconfig, %(simple)s)) AS query)
    SELECT r.id FROM archive_record r, q
    WHERE r.tenant_id = %(tenant)s AND r.search_vector @@ q.query
    ORDER BY ts_rank(r.search_vector, q.query) DESC, r.document_date DESC, r.id DESC
    LIMIT 20
"""
BARE_COUNT = """
    SELECT count(*) FROM archive_record r
    WHERE r.tenant_id = %(tenant)s AND r.search_vector @@ (
        websearch_to_tsquery('indonesian'::regconfig, %(text)s)
        || to_tsquery('simple'::regconfig, %(simple)s))
"""


def _filters(raw: dict, tenant):
    import datetime as dt

    from archive.models import Classification
    from archive.search import SearchFilters

    out = {}
    for key, value in raw.items():
        if key == "date_from":
            years = int(value.strip("-y"))
            out[key] = dt.date.today() - dt.timedelta(days=365 * years)
        elif key == "classification":
            out[key] = Classification.objects.get(tenant=tenant, code=value).pk
        else:
            out[key] = value
    return SearchFilters(**out)


def _time(fn, n: int) -> list[float]:
    fn()  # warm: plans, caches, the user's memoised scope
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _bare(tenant_id: int, text: str):
    from django.db import connection

    from archive.search import _tsquery_simple, _words

    params = {"text": text, "simple": _tsquery_simple(_words(text)), "tenant": tenant_id}

    def run():
        with connection.cursor() as cursor:
            cursor.execute(BARE, params)
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(BARE_COUNT, params)
            cursor.fetchone()
            if ids:
                cursor.execute(
                    "SELECT id, ts_headline('indonesian'::regconfig, left(body, 20000), "
                    "websearch_to_tsquery('indonesian'::regconfig, %s)) "
                    "FROM archive_record WHERE id = ANY(%s)",
                    [text, ids],
                )
                cursor.fetchall()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/naskah_bench_search"
    )
    parser.add_argument("--n", type=int, default=5)
    args = parser.parse_args()
    django_setup(args.database_url)
    from archive.models import Record
    from archive.querysets import ALL, archivist_scope
    from archive.search import _has_digit, record_search
    from organizations.choices import RoleKind
    from organizations.models import Assignment, Tenant, UnitRole, User

    tenant = Tenant.objects.order_by("pk").first()
    archivist = User.objects.get(
        pk=UnitRole.objects.filter(tenant=tenant, kind=RoleKind.RECORDS_OFFICER, unit=None)
        .values_list("user_id", flat=True)
        .first()
    )
    assert archivist_scope(archivist) == ALL
    busiest_unit = (
        Record.objects.filter(tenant=tenant).values_list("unit_id", flat=True).order_by("unit_id")
    ).first()
    staff = (
        User.objects.filter(
            pk__in=Assignment.objects.filter(
                tenant=tenant, position__unit_id=busiest_unit, position__is_head=False,
                end_date__isnull=True,
            ).values("user_id")
        )
        .exclude(pk__in=UnitRole.objects.filter(kind=RoleKind.RECORDS_OFFICER).values("user_id"))
        .order_by("pk")
        .first()
    )  # fmt: skip
    records = Record.objects.count()
    tenant_records = Record.objects.filter(tenant=tenant).count()
    staff_visible = Record.objects.visible_to(staff).count()
    print(f"{records:,} records, {tenant_records:,} in {tenant.slug}; "
          f"archivist {archivist.username}, staff {staff.username} ({staff_visible:,} visible)")  # fmt: skip

    rows, pooled, pooled_bare = {}, {"archivist": [], "staff": []}, []
    print(f"{'search':<44}{'hits':>9}{'archivist p95':>15}{'staff p95':>11}{'bare p95':>10}")
    for name, text, raw in SEARCHES:
        filters = _filters(raw, tenant)
        row = {"text": text, "filters": {k: str(v) for k, v in raw.items()}}
        for who, user in (("archivist", archivist), ("staff", staff)):
            result = record_search(user=user, text=text, filters=filters)
            times = _time(partial(record_search, user=user, text=text, filters=filters), args.n)
            pooled[who] += times
            row[who] = {"total": result.total, "more": result.more, "fuzzy": result.fuzzy,
                        **summary_ms(times)}  # fmt: skip
        # Bare SQL twins for word searches (a number fragment also runs a trigram match).
        if text and not raw and not row["archivist"]["fuzzy"] and not _has_digit(text):
            times = _time(_bare(tenant.pk, text), args.n)
            pooled_bare.extend(times)
            row["bare_sql"] = summary_ms(times)
        rows[name] = row
        bare = row.get("bare_sql", {}).get("p95_ms")
        print(f"{name[:43]:<44}{row['archivist']['total']:>9,}{row['archivist']['p95_ms']:>13.0f}ms"
              f"{row['staff']['p95_ms']:>9.0f}ms{(f'{bare:.0f}ms' if bare else '—'):>10}")  # fmt: skip

    overall = {who: summary_ms(times) for who, times in pooled.items()}
    bare_overall = summary_ms(pooled_bare)
    # The ratio over the searches that have a bare-SQL twin (words without filters).
    twins = [n for n, r in rows.items() if "bare_sql" in r]
    ratio = round(
        max(rows[n]["archivist"]["p95_ms"] / rows[n]["bare_sql"]["p95_ms"] for n in twins), 2
    )
    worst = max(o["p95_ms"] for o in overall.values())
    print(f"overall p95: archivist {overall['archivist']['p95_ms']} ms, staff "
          f"{overall['staff']['p95_ms']} ms, bare SQL {bare_overall['p95_ms']} ms; "
          f"worst service/bare p95 ratio {ratio}")  # fmt: skip
    path = write_result("search", {
        "records": records, "tenant_records": tenant_records, "staff_visible": staff_visible,
        "n": args.n, "searches": rows, "overall": overall, "bare_sql": bare_overall,
        "worst_ratio_to_bare_sql": ratio, "ratio_over": twins,
        "target": "p95 < 150 ms and ≤ 1.5 × bare SQL",
        "met": worst < 150 and ratio <= 1.5,
    })  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
