"""PDF rendering and signing speed on this machine.

    .venv/bin/python bench/pdf.py [--n 200]

Renders a one-page letter (reportlab), then one sample of every letter type, finishes it as
PDF/A-3b (core.pdfa, pikepdf) and signs it (PAdES, pyHanko, the built-in tenant CA
adapter, ECDSA P-256) N times each; prints median/p95 and per-second rates and writes
bench/results/pdf.json. Runs on a throwaway SQLite database (the certificate lookup is part of
what is measured).

Signing is measured twice in the same run: `sign` is today's PAdES B-LTA signature (the
signer's passphrase opening their key, a timestamp from the local TSA that
scripts/pki_services.py starts on loopback, the CA's CRL in the security store, a document
timestamp), `sign_basic` the bare B-B signature letters had before (no timestamp, no
revocation data); `verify` is the long-term validation of the B-LTA letter, `verify_basic` the
check of a B-B one. Targets: render < 50 ms, sign < 150 ms, verify < 50 ms (medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_setup, summary_ms, write_result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    db = os.path.join(tempfile.mkdtemp(), "bench-pdf.sqlite3")
    django_setup(f"sqlite:///{db}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    from core.pdfa import pdfa_finish
    from correspondence.pdf import render, samples
    from correspondence.signing import LocalCAAdapter, SignSpec, certificate_issue, pdf_validate
    from organizations.models import Tenant, User
    from tests.pki import tsa_start

    tsa, url, root = tsa_start(Path(tempfile.mkdtemp()))
    settings.NASKAH_TSA_URL, settings.NASKAH_TRUST_ROOTS = url, [str(root)]

    tenant = Tenant.objects.create(
        slug="bench",
        name="Pemerintah Kota Bench",
        app_name="Bench",
        city="Medan",
        letterhead_government="Pemerintah Kota Bench",
    )
    user = User.objects.create(username="bench.signer", name="Ir. Budi Hasibuan", tenant=tenant)
    certificate_issue(user, passphrase=PASSPHRASE)
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
    sign_times, basic_times, verify_times, verify_basic_times = [], [], [], []
    try:
        for i in range(args.n):
            spec = SignSpec(f"TTE{i}", "bench", "Medan", certify=True, lock=True)
            t = time.perf_counter()
            signed = adapter.sign(pdf, user=user, passphrase=PASSPHRASE, spec=spec)
            sign_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            basic = _sign_basic(pdf, user, i)
            basic_times.append(time.perf_counter() - t)
        for _ in range(max(args.n // 4, 10)):
            t = time.perf_counter()
            assert pdf_validate(signed, tenant=tenant).valid
            verify_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            assert pdf_validate(basic, tenant=tenant).valid
            verify_basic_times.append(time.perf_counter() - t)
    finally:
        tsa.terminate()
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
        "sign_basic": {
            **summary_ms(basic_times),
            "per_second": round(1 / statistics.median(basic_times), 1),
        },
        "verify": {
            **summary_ms(verify_times),
            "per_second": round(1 / statistics.median(verify_times), 1),
        },
        "verify_basic": {
            **summary_ms(verify_basic_times),
            "per_second": round(1 / statistics.median(verify_basic_times), 1),
        },
        "render_per_type_median_ms": per_type,
        "targets": {"render_median_ms": 50, "sign_median_ms": 150, "verify_median_ms": 50},
    }
    path = write_result("pdf", result)
    print(f"{'step':<12} {'median ms':>10} {'p95 ms':>8} {'per s':>8}")
    for step in ("render", "pdfa_finish", "sign", "sign_basic", "verify", "verify_basic"):
        r = result[step]
        print(f"{step:<12} {r['median_ms']:>10} {r['p95_ms']:>8} {r['per_second']:>8}")
    if per_type:
        print("render per type (median ms):", ", ".join(f"{k} {v}" for k, v in per_type.items()))
    print(f"written {path.relative_to(ROOT)}")


PASSPHRASE = "bench-passphrase-2026"


def _sign_basic(pdf: bytes, user, i: int) -> bytes:
    """A B-B signature as letters had before long-term signatures: the same key, no
    timestamp, no revocation data."""
    import io

    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from correspondence.signing import certificate_current
    from correspondence.signing.adapters import _asn1_key
    from correspondence.signing.authority import signer_key
    from correspondence.signing.ltv import PdfaWriter, asn1_cert, run_async

    record = certificate_current(user)
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert(record.certificate_pem),
        signing_key=_asn1_key(signer_key(record, PASSPHRASE)),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_cert(record.authority.certificate_pem)]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=f"B{i}", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    writer = PdfaWriter(io.BytesIO(pdf), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer)
    return run_async(lambda: pdf_signer.async_sign_pdf(writer)).getvalue()


if __name__ == "__main__":
    main()
