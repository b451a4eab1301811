"""OCR of scanned letters and the fields read from them, on this machine (issue 29).

    .venv/bin/python bench/intake.py [--database-url postgres://…/naskah_bench_intake]
                                     [--ocr-n 7] [--fields-n 60] [--n 60] [--seed 101]

Makes a fresh database with the test world (tests/world.py: three tenants, the Medan
units and people), then:

(a) OCR: `core.ocr.ocr` (the worker's path: ocrmypdf + Tesseract ind+eng in its limited,
    niced child) of `--ocr-n` one-page 200 dpi scans from bench/generators/scans.py, one
    after another on an idle machine: median and p95 seconds. Target: median < 8 s.
(b) Pages while OCR runs: the clerk's inbox page requested in-process (Django's test
    client: server time without the network) again and again while the worker reads the
    field set (c) in the background, resting 2 s after each scan; requests made while a
    child reads are "during OCR", those made while it rests are "idle" (interleaved, so both
    see the same load from the rest of the machine). Slowdown = median during OCR / median
    idle. Target ≤ 1.2×.
(c) Fields: `--fields-n` scans in the five layouts, read by OCR (the background work of (b))
    and `intake.fields.letter_fields`; per field, the share read exactly (the subject, the
    addressee, the sender and the attachments compared without regard to case and spacing).
    Target ≥ 95 % for number, date and subject. The rules were tuned on the misses of seeds
    29 and 101 (the default), so the default's figure flatters them: a run with an unseen
    seed says more (seed 555, 60 scans, before any tuning on it: number 97 %, date 98 %,
    subject 98 %, attachments 94 %).

Writes bench/results/intake.json. bench/results/intake-loaded.json is a run while other
test suites kept the 2-CPU machine at a load average of about 6: pages 1.30x slower during
OCR (the OCR child is niced, but the pages then share the CPUs with everything else).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import Counter

from _setup import (
    arguments,
    database_fresh,
    django_setup,
    percentile,
    summary_ms,
    verified_client,
    write_result,
)

DATABASE = "postgres://postgres@127.0.0.1:5432/naskah_bench_intake"
EXACT = ("number", "date", "security", "urgency")  # compared as they are
GAP = 2.0  # seconds the worker rests after each scan in (b): the idle samples
TARGETS = {"ocr_median_s": 8.0, "slowdown": 1.2, "fields_exact_pct": 95.0}


def ocr_times(scans) -> dict:
    """(a) Each scan through the worker's OCR, alone."""
    from core.ocr import ocr

    seconds, errors = [], []
    for scan in scans:
        started = time.perf_counter()
        result = ocr(scan.image_bytes, content_type="image/png")
        seconds.append(time.perf_counter() - started)
        if result.error:
            errors.append(result.error)
    return {
        "n": len(seconds),
        "median_s": round(statistics.median(seconds), 2),
        "p95_s": round(percentile(seconds, 95), 2),
        "max_s": round(max(seconds), 2),
        "errors": errors,
    }


def _timed(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        assert client.get(url).status_code == 200, url
        times.append(time.perf_counter() - started)
    return times


def pages_during_ocr(client, url: str, n: int, scans) -> tuple[dict, list]:
    """(b) The page requested over and over while a worker reads every scan of (c), one at a
    time with a pause of GAP seconds after each; each request counts as "during OCR" or
    "idle" by whether a child was reading from its start to its end (one that straddles a
    change counts as neither). Interleaving the two keeps the comparison fair on a machine
    whose other load changes by the minute. Returns the figures and the OCR results."""
    from core.ocr import ocr

    for _ in range(5):  # warm-up: templates, the session, the cache
        client.get(url)
    before = _timed(client, url, n)
    reading, results = threading.Event(), []

    def worker():
        for scan in scans:
            reading.set()
            results.append(ocr(scan.image_bytes, content_type="image/png"))
            reading.clear()
            time.sleep(GAP)

    thread = threading.Thread(target=worker)
    thread.start()
    idle, busy = [], []
    while thread.is_alive():
        state = reading.is_set()
        started = time.perf_counter()
        assert client.get(url).status_code == 200, url
        took = time.perf_counter() - started
        if reading.is_set() == state:
            (busy if state else idle).append(took)
    thread.join()
    figures = {
        "url": url,
        "quiet_before": summary_ms(before),
        "idle": summary_ms(idle),
        "during_ocr": summary_ms(busy),
        "slowdown_median": round(statistics.median(busy) / statistics.median(idle), 2),
        "slowdown_p95": round(percentile(busy, 95) / percentile(idle, 95), 2),
        "gap_s": GAP,
    }
    return figures, results


def _same(name: str, got, truth) -> bool:
    if name in EXACT:
        return got == truth
    return " ".join(str(got).split()).casefold() == " ".join(str(truth).split()).casefold()


def field_accuracy(scans, results, tenant) -> dict:
    """(c) Per field: read exactly / present in the letter, overall and per layout."""
    from intake.fields import letter_fields

    right, total, by_layout, misses = Counter(), Counter(), {}, []
    for scan, result in zip(scans, results, strict=True):
        fields = letter_fields(result.text, tenant=tenant)
        layout = by_layout.setdefault(scan.layout, {"right": Counter(), "total": Counter()})
        for name, truth in scan.truth.items():
            got = fields.get(name, {}).get("value")
            total[name] += 1
            layout["total"][name] += 1
            if got is not None and _same(name, got, truth):
                right[name] += 1
                layout["right"][name] += 1
            else:
                misses.append({"layout": scan.layout, "field": name, "truth": truth, "read": got})
    pct = {name: round(100 * right[name] / total[name], 1) for name in total}
    layouts = {
        key: {n: f"{v['right'][n]}/{v['total'][n]}" for n in v["total"]}
        for key, v in by_layout.items()
    }
    return {"n": len(scans), "exact_pct": pct, "per_layout": layouts, "misses": misses}


def world_client():
    """The test world in the fresh database, and the Kominfo clerk's client."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.world import build_world

    world = build_world()
    return world, verified_client(world.clerk)


def main() -> None:
    parser = arguments(n=60, redis=False)
    parser.set_defaults(database_url=DATABASE)
    parser.add_argument("--ocr-n", type=int, default=7)
    parser.add_argument("--fields-n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=101)
    args = parser.parse_args()
    database_fresh(args.database_url)
    django_setup(args.database_url)
    from bench.generators.scans import scan_set
    from core.ocr import ocr_available

    if not ocr_available():
        raise SystemExit("Tesseract with the Indonesian model and ocrmypdf are needed.")
    world, client = world_client()
    load = {"before": os.getloadavg()[0]}
    ocr = ocr_times(scan_set(args.ocr_n, seed=args.seed + 1000))
    load["after_ocr"] = os.getloadavg()[0]
    print(f"OCR of a 200 dpi page: median {ocr['median_s']} s, p95 {ocr['p95_s']} s")
    scans = scan_set(args.fields_n, seed=args.seed)
    pages, results = pages_during_ocr(client, "/letters/inbox/", args.n, scans)
    print(
        f"inbox page: idle median {pages['idle']['median_ms']} ms, during OCR "
        f"{pages['during_ocr']['median_ms']} ms: {pages['slowdown_median']}x"
    )
    load["after_pages"] = os.getloadavg()[0]
    fields = field_accuracy(scans, results, world.tenant)
    for name, pct in fields["exact_pct"].items():
        print(f"{name:<12} {pct:>6} % exact")
    ocr_during = [r.seconds for r in results]
    worst = min(fields["exact_pct"][k] for k in ("number", "date", "subject"))
    path = write_result(
        "intake",
        {
            "label": args.label,
            # Other processes on the machine (1-minute load average; 2 CPUs): the OCR child
            # is niced, so a busy machine slows it more than it slows the pages.
            "load_average_1m": {k: round(v, 2) for k, v in load.items()},
            "ocr": ocr,
            "ocr_while_serving": {
                "n": len(ocr_during),
                "median_s": round(statistics.median(ocr_during), 2),
                "p95_s": round(percentile(ocr_during, 95), 2),
                "errors": [r.error for r in results if r.error],
            },
            "pages": pages,
            "fields": fields,
            "targets": TARGETS,
            "met": {
                "ocr_median": ocr["median_s"] < TARGETS["ocr_median_s"],
                "slowdown": pages["slowdown_median"] <= TARGETS["slowdown"],
                "fields": worst >= TARGETS["fields_exact_pct"],
            },
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
