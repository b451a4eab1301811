"""Inbox and outbox for the head of a busy OPD on the city-scale data set.

    .venv/bin/python bench/inbox.py [--database-url postgres://…/naskah_bench] [--n 100]

Needs the data of `manage.py generate_load_data` (see `make bench`). Logs in as the head of
the first tenant's busy OPD (about 100,000 deliveries), then requests the inbox and outbox
pages and their API lists N times each in-process (Django's test client: server time without
the network), counting queries per request; in turn with each request, the bare SQL for the
same page (the rows of page 1 and the counts the page shows, hand-written, no permission
checks). The inbox page is measured twice: as a user reloading it finds it (its figures kept
since the last change of the inbox) and with new mail before every request (counted afresh).
Prints a table and writes bench/results/inbox.json. Targets: page p95 under 100 ms and
within 2× of its bare SQL.
"""

from __future__ import annotations

import time

from _setup import arguments, django_setup, summary_ms, verified_client, write_result

INBOX_SQL = """
SELECT d.id, d.agenda_number, d.state, d.urgency, d.security, d.delivered_at, d.kind,
       l.id, l.subject, l.number, l.sender_name, u.name, lt.name, ru.name
FROM correspondence_delivery d
JOIN correspondence_letter l ON l.id = d.letter_id
JOIN organizations_unit u ON u.id = l.unit_id
JOIN correspondence_lettertype lt ON lt.id = l.letter_type_id
JOIN organizations_unit ru ON ru.id = d.unit_id
WHERE d.unit_id = %(unit)s AND d.security IN ('biasa', 'terbatas')
ORDER BY d.delivered_at DESC, d.id DESC LIMIT 25;
SELECT COUNT(*), COUNT(*) FILTER (WHERE d.state = 'delivered') FROM correspondence_delivery d
WHERE d.unit_id = %(unit)s AND d.security IN ('biasa', 'terbatas');
"""

OUTBOX_SQL = """
SELECT l.id, l.number, l.subject, l.state, l.sent_at, lt.name, u.name,
       (SELECT COUNT(*) FROM correspondence_delivery d WHERE d.letter_id = l.id),
       (SELECT COUNT(*) FROM correspondence_delivery d
        WHERE d.letter_id = l.id AND d.first_read_at IS NOT NULL),
       (SELECT COUNT(*) FROM correspondence_delivery d
        WHERE d.letter_id = l.id AND d.state = 'done')
FROM correspondence_letter l
JOIN correspondence_lettertype lt ON lt.id = l.letter_type_id
JOIN organizations_unit u ON u.id = l.unit_id
WHERE l.unit_id = %(unit)s AND l.state IN ('signed', 'sent', 'retracted')
ORDER BY l.sent_at DESC NULLS LAST, l.id DESC LIMIT 25;
SELECT COUNT(*) FROM correspondence_letter l
WHERE l.unit_id = %(unit)s AND l.state IN ('signed', 'sent', 'retracted');
"""


def persona():
    """The head of the busiest unit inbox of the first tenant."""
    from django.db.models import Count

    from correspondence.models import Delivery
    from organizations.models import Assignment, Position

    top = Delivery.objects.values("unit_id").annotate(n=Count("id")).order_by("-n").first()
    head = Position.objects.get(unit_id=top["unit_id"], is_head=True)
    holder = Assignment.objects.filter(position=head, end_date__isnull=True).first().user
    return holder, head.unit, top["n"]


def measure(client, url: str, sql: str, params: dict, n: int, before=None) -> tuple[dict, dict]:
    """Server time of the page and time of its bare SQL, taken in turns (one request, then
    the bare statements, n times) so that a slow spell of the machine hits both alike.
    `before()` runs ahead of each request, untimed."""
    from django.db import connection

    statements = [s for s in sql.split(";") if s.strip()]

    def bare(cursor) -> float:
        t = time.perf_counter()
        for stmt in statements:
            cursor.execute(stmt, params)
            cursor.fetchall()
        return time.perf_counter() - t

    def view() -> float:
        if before is not None:
            before()
        t = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - t
        assert response.status_code == 200, url
        return elapsed

    view_times, bare_times = [], []
    with connection.cursor() as cursor:
        for i in range(n + 3):
            v, b = view(), bare(cursor)
            if i >= 3:  # warm-up
                view_times.append(v)
                bare_times.append(b)
    return {**summary_ms(view_times), "queries": count_queries(client, url, before)}, {
        **summary_ms(bare_times),
        "queries": len(statements),
    }


def count_queries(client, url: str, before=None) -> int:
    """Queries of one request (right after others, as a user clicking through would send)."""
    from django.db import connection

    if before is not None:
        before()
    queries = []  # counted by a wrapper: the request-start signal empties Django's query log
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        assert client.get(url).status_code == 200, url
    return len(queries)


def measure_view(client, url: str, n: int) -> dict:
    """Server time of a page alone (for pages without a bare twin)."""
    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(n):
        t = time.perf_counter()
        assert client.get(url).status_code == 200, url
        times.append(time.perf_counter() - t)
    return {**summary_ms(times), "queries": count_queries(client, url)}


def main() -> None:
    args = arguments(n=100).parse_args()
    django_setup(args.database_url, args.redis_url)
    from correspondence.models import Letter

    user, unit, deliveries = persona()
    client = verified_client(user)
    letters = Letter.objects.count()
    rows = {}
    from correspondence.models import InboxChange

    def new_mail():  # what the delivery trigger records when a letter arrives
        InboxChange.objects.create(unit_id=unit.pk)

    cases = [
        ("inbox page", f"/letters/inbox/?unit={unit.pk}", INBOX_SQL),
        # Every request after a change of the inbox: its figures are counted afresh.
        ("inbox page, new mail", f"/letters/inbox/?unit={unit.pk}", INBOX_SQL, new_mail),
        ("inbox API", f"/api/v1/inbox/?unit={unit.pk}", INBOX_SQL),
        ("outbox page", "/letters/outbox/", OUTBOX_SQL),
        ("outbox API", "/api/v1/outbox/", OUTBOX_SQL),
    ]
    for name, url, sql, *before in cases:
        view, bare = measure(client, url, sql, {"unit": unit.pk}, args.n, *before)
        rows[name] = {
            "url": url,
            "server": view,
            "bare_sql": bare,
            "ratio_p95": round(view["p95_ms"] / bare["p95_ms"], 2),
        }
    print(f"{letters:,} letters; {user.username} heads {unit.code} with {deliveries:,} deliveries")
    print(f"{'request':<21}{'median':>9}{'p95':>9}{'queries':>9}{'bare p95':>10}{'ratio':>7}")
    for name, r in rows.items():
        s, b = r["server"], r["bare_sql"]
        print(
            f"{name:<21}{s['median_ms']:>7.1f}ms{s['p95_ms']:>7.1f}ms{s['queries']:>9}"
            f"{b['p95_ms']:>8.1f}ms{r['ratio_p95']:>7.2f}"
        )
    inbox = rows["inbox page"]
    path = write_result(
        "inbox" + (f"-{args.label}" if args.label else ""),
        {
            "letters": letters,
            "unit": unit.code,
            "unit_deliveries": deliveries,
            "n": args.n,
            "requests": rows,
            "target": "inbox page p95 < 100 ms and within 2x of its bare SQL",
            "met": inbox["server"]["p95_ms"] < 100 and inbox["ratio_p95"] <= 2,
            "met_with_new_mail_every_request": (
                rows["inbox page, new mail"]["server"]["p95_ms"] < 100
                and rows["inbox page, new mail"]["ratio_p95"] <= 2
            ),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
