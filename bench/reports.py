"""The statistics page and the leadership view on the city-scale data set.

    .venv/bin/python bench/reports.py [--database-url postgres://…/naskah_bench] [--n 15]

Needs the data of `manage.py generate_load_data` (see `make bench`). As the Sekda of the first
tenant (the whole tenant: a third of the letters), requests the statistics page for this month
and for the last 12 months, its JSON twin and the leadership view, N times each in-process,
and writes bench/results/reports.json. Target (reports issue): statistics page under 1 s.
"""

from __future__ import annotations

import datetime as dt

from _setup import arguments, django_setup, verified_client, write_result
from inbox import measure_view


def main() -> None:
    args = arguments(n=15, redis=False).parse_args()
    django_setup(args.database_url)
    from correspondence.models import Letter
    from organizations.models import Assignment, Tenant

    tenant = Tenant.objects.order_by("pk").first()
    sekda = Assignment.objects.get(
        tenant=tenant, position__code="SEKDA", end_date__isnull=True
    ).user
    client = verified_client(sekda)
    today = dt.date.today()
    year_ago = today - dt.timedelta(days=365)
    cases = {
        "statistics, this month": "/reports/statistics/",
        "statistics, 12 months": f"/reports/statistics/?from={year_ago}&to={today}",
        "statistics API, 12 months": f"/api/v1/reports/statistics/?from={year_ago}&to={today}",
        "leadership view": "/reports/",
    }
    rows = {name: {"url": url, **measure_view(client, url, args.n)} for name, url in cases.items()}
    letters = Letter.objects.filter(tenant=tenant).count()
    print(f"{Letter.objects.count():,} letters, {letters:,} in {tenant.slug}; as {sekda.username}")
    print(f"{'request':<28}{'median':>9}{'p95':>9}{'queries':>9}")
    for name, r in rows.items():
        print(f"{name:<28}{r['median_ms']:>7.0f}ms{r['p95_ms']:>7.0f}ms{r['queries']:>9}")
    worst = max(r["p95_ms"] for n, r in rows.items() if n.startswith("statistics"))
    path = write_result(
        "reports",
        {
            "letters": Letter.objects.count(),
            "tenant_letters": letters,
            "requests": rows,
            "target": "statistics page under 1 s",
            "met": worst < 1000,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
