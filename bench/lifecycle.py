"""A letter's whole life through the API on the city-scale data set.

    .venv/bin/python bench/lifecycle.py [--database-url postgres://…/naskah_bench] [--n 40]

Needs the data of `manage.py generate_load_data` (see `make bench`). In the first tenant a staff
member of a section composes a letter (POST /letters/), submits it with two reviewers (the
section head and the division head) and the OPD head as signer, both reviewers approve, the
head signs (PAdES through the built-in adapter, run inline) and the drafter sends it to 20
units. Server time per step in-process (Django's test client); the lifecycle figure is the sum
of compose, submit, two approvals and send, without signing, which is reported on its own.
Prints a table and writes bench/results/lifecycle.json. Target: lifecycle p95 under 500 ms.
"""

from __future__ import annotations

import os
import time

from _setup import arguments, django_setup, summary_ms, verified_client, write_result

DEMO_PASSWORD = "Naskah-Demo-2026"  # the demo tenant files' accounts
STEPS = ["compose", "submit", "approve 1", "approve 2", "sign", "send"]


def cast(tenant):
    """A section with a staff member, its head, the division head and the OPD head."""
    from organizations.choices import RoleKind, UnitKind
    from organizations.models import Assignment, Position, Unit, UnitRole

    def holder(unit):
        head = Position.objects.get(unit=unit, is_head=True)
        return Assignment.objects.get(position=head, end_date__isnull=True).user, head

    def parent(unit):
        return Unit.objects.filter(tenant=tenant, path=unit.path[: -Unit.steplen]).first()

    for section in Unit.objects.filter(tenant=tenant, kind=UnitKind.SECTION).order_by("path"):
        division = parent(section)
        opd = parent(division) if division else None
        if not opd or not Position.objects.filter(unit=opd, is_head=True, can_sign=True).exists():
            continue
        staff = UnitRole.objects.filter(unit=section, kind=RoleKind.STAFF).first()
        if staff is None:
            continue
        return staff.user, holder(section), holder(division), holder(opd)
    raise SystemExit("no section with staff under a division and an OPD: generate the data")


def main() -> None:
    args = arguments(n=40).parse_args()
    # Signing runs inside the sign request so that one iteration is one whole life.
    os.environ["NASKAH_TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    os.environ["NASKAH_API_RATE_USER"] = "100000/min"
    django_setup(args.database_url, args.redis_url)
    from django.core.management import call_command

    from bench.generators.letters import BENCH_PASSWORD
    from correspondence.models import Letter
    from organizations.models import Tenant, Unit

    tenant = Tenant.objects.order_by("pk").first()
    call_command("init_signing_ca", tenant.slug, verbosity=0)
    drafter, (_, sect_head), (div_user, div_head), (opd_user, opd_head) = cast(tenant)
    sect_user = cast(tenant)[1][0]
    password = BENCH_PASSWORD if opd_user.check_password(BENCH_PASSWORD) else DEMO_PASSWORD
    clients = {u.pk: verified_client(u) for u in (drafter, sect_user, div_user, opd_user)}
    units = list(
        Unit.objects.filter(tenant=tenant, positions__is_head=True, positions__can_sign=True)
        .exclude(pk=opd_head.unit_id)
        .order_by("path")
        .values_list("pk", flat=True)[:20]
    )
    times: dict[str, list[float]] = {s: [] for s in STEPS}
    totals: list[float] = []

    def post(user, url, data, expect=200):
        t = time.perf_counter()
        response = clients[user.pk].post(url, data, content_type="application/json")
        elapsed = time.perf_counter() - t
        if response.status_code != expect:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
        return response.json(), elapsed

    for i in range(args.n + 2):
        letter, t_compose = post(
            drafter,
            "/api/v1/letters/",
            {
                "letter_type": "surat_dinas",
                "subject": f"Bench lifecycle {i}",
                "body": "<p>Dengan hormat, kami sampaikan hasil pengukuran.</p>",
                "classification_code": "000.1",
                "signer_position": opd_head.pk,
                "recipients": [{"kind": "to", "unit": u} for u in units],
            },
            expect=201,
        )
        url = f"/api/v1/letters/{letter['id']}/"
        _, t_submit = post(
            drafter,
            url + "submit/",
            {"route": [sect_head.pk, div_head.pk], "signers": [opd_head.pk]},
        )
        _, t_a1 = post(sect_user, url + "approve/", {"note": ""})
        _, t_a2 = post(div_user, url + "approve/", {"note": ""})
        _, t_sign = post(opd_user, url + "sign/", {"password": password})
        _, t_send = post(drafter, url + "send/", {})
        if i < 2:  # warm-up
            continue
        for step, t in zip(STEPS, [t_compose, t_submit, t_a1, t_a2, t_sign, t_send], strict=True):
            times[step].append(t)
        totals.append(t_compose + t_submit + t_a1 + t_a2 + t_send)
    last = Letter.objects.get(pk=letter["id"])
    assert last.state == "sent" and last.deliveries.count() == len(units), last.state
    result = {s: summary_ms(v) for s, v in times.items()}
    total = summary_ms(totals)
    print(f"{Letter.objects.count():,} letters; {args.n} lives, send to {len(units)} units")
    print(f"{'step':<24}{'median':>9}{'p95':>9}")
    for step, r in [*result.items(), ("lifecycle without sign", total)]:
        print(f"{step:<24}{r['median_ms']:>7.1f}ms{r['p95_ms']:>7.1f}ms")
    path = write_result(
        "lifecycle" + (f"-{args.label}" if args.label else ""),
        {
            "letters": Letter.objects.count(),
            "recipients": len(units),
            "steps": result,
            "lifecycle_without_sign": total,
            "target": "lifecycle p95 < 500 ms excluding signing",
            "met": total["p95_ms"] < 500,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
