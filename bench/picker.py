"""The compose form's recipient picker on a city-sized organisation (PostgreSQL).

    .venv/bin/python bench/picker.py [--database-url postgres://…/naskah_bench_picker]
                                     [--redis-url redis://…/4] [--n 3] [--fresh]

Builds (with --fresh, or when the database has no tenant) the Medan tenant file, then fills it
to about 200 units (kelurahan under each kecamatan, seksi under each bidang) and 1,000+ posts
(staff posts in every unit, each with a named holder). Then, as the file's drafter, types
names letter by letter, as a user does: for eighty names of units, posts and people, the
queries of 1 to 6 letters, N times each, through the endpoint the picker calls
(`/letters/recipients/?role=position|unit&q=…`, in process: middleware, session, selector,
JSON). Beside it, in the same run, the bare SQL of the same search (the selector's main
statement, captured from the ORM and run on a cursor). Writes bench/results/picker.json.
Target (issue 27): p95 under 50 ms server time per keystroke.
"""

from __future__ import annotations

import random
import time

from _setup import ROOT, arguments, database_fresh, django_setup, summary_ms, write_result

UNITS_TARGET = 200
POSTS_TARGET = 1050
FIRST = ["Andi", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hendra", "Indah", "Joko"]
FIRST += ["Kurnia", "Lestari", "Maya", "Nur", "Oki", "Putri", "Rahmat", "Sari", "Taufik", "Yuni"]
LAST = ["Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Pratama", "Saragih"]
LAST += ["Tarigan", "Ginting", "Sembiring", "Hasibuan", "Pohan", "Sitompul", "Nainggolan"]
TITLES = ["Analis", "Pengadministrasi Umum", "Pranata Komputer", "Perencana", "Arsiparis"]
TITLES += ["Bendahara", "Pengelola Keuangan", "Penyusun Program", "Verifikator", "Pengawas"]


def organisation_fill(tenant) -> None:
    """Kelurahan and seksi until ~UNITS_TARGET units, then staff posts with holders until
    POSTS_TARGET posts."""
    import datetime as dt

    from organizations.choices import UnitKind
    from organizations.models import Assignment, Position, Unit, User
    from organizations.services import unit_create

    rng = random.Random(27)
    parents = list(Unit.objects.filter(tenant=tenant, kind__in=["district", "division"]))
    i = 0
    while Unit.objects.filter(tenant=tenant).count() < UNITS_TARGET:
        parent = Unit.objects.get(pk=parents[i % len(parents)].pk)  # fresh: numchild changed
        kind = UnitKind.SUBDISTRICT if parent.kind == "district" else UnitKind.SECTION
        word = "Kelurahan" if kind == UnitKind.SUBDISTRICT else "Seksi"
        name = f"{word} {rng.choice(LAST)} {rng.choice(FIRST)} {i}"
        unit_create(tenant=tenant, code=f"B-{i:04d}", name=name, kind=kind, parent=parent)
        i += 1
    units = list(Unit.objects.filter(tenant=tenant))
    have = Position.objects.filter(tenant=tenant).count()
    posts = []
    for n in range(max(0, POSTS_TARGET - have)):
        unit = units[n % len(units)]
        posts.append(
            Position(
                tenant=tenant,
                unit=unit,
                code=f"B-STAF-{n:04d}",
                title=f"{rng.choice(TITLES)} {unit.short_name or unit.name}"[:200],
                sort_order=200 + n,
            )
        )
    Position.objects.bulk_create(posts)
    users = User.objects.bulk_create(
        [
            User(
                tenant=tenant,
                username=f"bench.picker.{n}",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                password="!",
            )
            for n in range(len(posts))
        ]
    )
    made = Position.objects.filter(tenant=tenant, code__startswith="B-STAF-").order_by("pk")
    Assignment.objects.bulk_create(
        [
            Assignment(tenant=tenant, user=u, position=p, start_date=dt.date(2020, 1, 1))
            for u, p in zip(users, made, strict=False)
        ]
    )


def typed_queries(tenant, count: int) -> list[str]:
    """Prefixes of 1..6 letters of `count` words from unit names, post titles and holders."""
    from organizations.models import Position, Unit, User

    rng = random.Random(6)
    words = set()
    for text in [
        *Unit.objects.filter(tenant=tenant).values_list("name", flat=True),
        *Position.objects.filter(tenant=tenant).values_list("title", flat=True),
        *User.objects.filter(tenant=tenant).values_list("name", flat=True),
    ]:
        words.update(w for w in text.replace(",", " ").split() if len(w) >= 6 and w.isalpha())
    chosen = rng.sample(sorted(words), min(count, len(words)))
    return [w[:k].lower() for w in chosen for k in range(1, 7)]


def main() -> None:
    parser = arguments(n=3)
    parser.set_defaults(database_url="postgres://postgres@127.0.0.1:5432/naskah_bench_picker")
    parser.add_argument("--fresh", action="store_true", help="build the database anew")
    parser.add_argument("--names", type=int, default=80)
    args = parser.parse_args()
    if args.fresh:
        database_fresh(args.database_url)
    django_setup(args.database_url, args.redis_url)  # as deployed: access facts kept
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organizations.models import Position, Tenant, Unit, User

    call_command("migrate", verbosity=0)
    if not Tenant.objects.filter(slug="medan").exists():
        call_command("load_tenant", str(ROOT / "tenants" / "medan.yaml"), verbosity=0)
    tenant = Tenant.objects.get(slug="medan")
    if Position.objects.filter(tenant=tenant).count() < POSTS_TARGET:
        organisation_fill(tenant)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    drafter = User.objects.get(tenant=tenant, username="medan.drafter")
    from _setup import verified_client

    client = verified_client(drafter)
    queries = typed_queries(tenant, args.names)
    rows = {}
    for role in ("position", "unit"):
        server, bare, statements = [], [], 0
        for q in queries:
            url = f"/letters/recipients/?role={role}&q={q}"
            assert client.get(url).status_code == 200  # warm: session, tenant
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            statements = max(statements, len(captured.captured_queries))
            # The selector's main statement: the one that searches the posts (or units).
            table = "organizations_position" if role == "position" else "organizations_unit"
            main = [
                c["sql"]
                for c in captured.captured_queries
                if "LIKE" in c["sql"] and f'FROM "{table}"' in c["sql"]
            ][-1]
            for _ in range(args.n):
                t = time.perf_counter()
                assert client.get(url).status_code == 200
                server.append(time.perf_counter() - t)
                with connection.cursor() as cursor:
                    t = time.perf_counter()
                    cursor.execute(main)
                    cursor.fetchall()
                    bare.append(time.perf_counter() - t)
        rows[role] = {
            "endpoint": summary_ms(server),
            "bare_sql": summary_ms(bare),
            "max_queries": statements,
        }
    units = Unit.objects.filter(tenant=tenant).count()
    posts = Position.objects.filter(tenant=tenant).count()
    print(f"{units} units, {posts} posts; {len(queries)} typed queries x {args.n}")
    print(f"{'search':<10}{'median':>9}{'p95':>9}{'bare p50':>10}{'bare p95':>10}{'queries':>9}")
    for role, r in rows.items():
        e, b = r["endpoint"], r["bare_sql"]
        print(
            f"{role:<10}{e['median_ms']:>7.1f}ms{e['p95_ms']:>7.1f}ms"
            f"{b['median_ms']:>8.1f}ms{b['p95_ms']:>8.1f}ms{r['max_queries']:>9}"
        )
    worst = max(r["endpoint"]["p95_ms"] for r in rows.values())
    path = write_result(
        f"picker{'-' + args.label if args.label else ''}",
        {
            "units": units,
            "posts": posts,
            "typed_queries": len(queries),
            "searches": rows,
            "target": "p95 under 50 ms server time per keystroke",
            "met": worst < 50,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
