"""PDF rendering and signing speed on this machine.

    .venv/bin/python bench/pdf.py [--n 200]

Renders a one-page letter (reportlab), then one sample of every letter type, finishes it as
PDF/A-3b (core.pdfa, pikepdf) and signs it (PAdES, pyHanko, the built-in tenant CA
adapter, ECDSA P-256) N times each; prints median/p95 and per-second rates and writes
bench/results/pdf.json. Targets: render under 50 ms, sign under 150 ms (median). Runs on a
throwaway SQLite database (the certificate lookup is part of what is measured).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from _setup import ROOT, django_setup, summary_ms, write_result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    db = os.path.join(tempfile.mkdtemp(), "bench-pdf.sqlite3")
    django_setup(f"sqlite:///{db}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core.pdfa import pdfa_finish
    from correspondence.pdf import render, samples
    from correspondence.signing import LocalCAAdapter, certificate_issue, pdf_validate
    from organizations.models import Tenant, User

    tenant = Tenant.objects.create(
        slug="bench",
        name="Pemerintah Kota Bench",
        app_name="Bench",
        city="Medan",
        letterhead_government="Pemerintah Kota Bench",
    )
    user = User.objects.create(username="bench.signer", name="Ir. Budi Hasibuan", tenant=tenant)
    certificate_issue(user)
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    render.render_letter(doc)  # warm-up: font loading
    adapter = LocalCAAdapter()

    render_times, finish_times, sign_times, pdf = [], [], [], b""
    for _ in range(args.n):
        t = time.perf_counter()
        pdf = render.render_letter(doc)
        render_times.append(time.perf_counter() - t)
    raw = pdf
    for _ in range(args.n):
        t = time.perf_counter()
        pdf = pdfa_finish(raw, part=3, to_sign=True)
        finish_times.append(time.perf_counter() - t)
    per_type = {}
    for code, name in getattr(samples, "TYPES", []):
        sample, times = samples.sample_doc(code, name, long=False), []
        for _ in range(max(args.n // 10, 5)):
            t = time.perf_counter()
            render.render_letter(sample)
            times.append(time.perf_counter() - t)
        per_type[code] = round(statistics.median(times) * 1000, 2)
    for i in range(args.n):
        t = time.perf_counter()
        signed = adapter.sign(
            pdf, user=user, field_name=f"TTE{i}", reason="bench", location="Medan"
        )
        sign_times.append(time.perf_counter() - t)
    assert pdf_validate(signed, tenant=tenant).valid
    result = {
        "pages": 1,
        "bytes": len(pdf),
        "render": {
            **summary_ms(render_times),
            "per_second": round(1 / statistics.median(render_times), 1),
        },
        "pdfa_finish": {
            **summary_ms(finish_times),
            "per_second": round(1 / statistics.median(finish_times), 1),
        },
        "sign": {
            **summary_ms(sign_times),
            "per_second": round(1 / statistics.median(sign_times), 1),
        },
        "render_per_type_median_ms": per_type,
        "targets": {"render_median_ms": 50, "sign_median_ms": 150},
    }
    path = write_result("pdf", result)
    print(f"{'step':<12} {'median ms':>10} {'p95 ms':>8} {'per s':>8}")
    for step in ("render", "pdfa_finish", "sign"):
        r = result[step]
        print(f"{step:<12} {r['median_ms']:>10} {r['p95_ms']:>8} {r['per_second']:>8}")
    if per_type:
        print("render per type (median ms):", ", ".join(f"{k} {v}" for k, v in per_type.items()))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
