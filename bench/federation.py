"""Letters between two instances (issue 28): two deployments on loopback (Medan and Binjai,
each with its own database, daphne, task worker, scheduler and timestamp authority, started
by scripts/instance.py), N letters sent from Medan to Binjai's Diskominfo.

- **paced**: the letters are sent one by one at a steady rate (`--rate` per second, what a
  busy city sends at its peak); for each, the time from the send's commit (the envelope's
  outbox row) to the moment Medan holds Binjai's signed delivered receipt.
- **burst**: `--burst` letters sent at once; how long until the last receipt is back
  (throughput).
- **exactly once**: Binjai's arrivals counted against the envelopes, and their ids unique.

Preparation (not timed): one letter is written, reviewed and signed through the services; the
letters sent are copies of it in the signed state (own numbers, the same signed PDF), so the
run measures the exchange, not the signing. Each copy is still sent through `letter_send`
(envelope written in the send's transaction) and checked at Binjai like any other: instance
signature, digests, PAdES signatures.

    python bench/federation.py [--letters 1000] [--rate 4] [--burst 200]

Writes bench/results/federation.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.federation.pair import PASSWORD, inbox, running_pair, shell

PREPARE = """
import json, secrets
from correspondence import services as svc
from correspondence.models import Letter, LetterType, Recipient
from correspondence.services import RecipientInput
from federation.models import PeerAddress
from organizations.models import Position, User

u = User.objects.get
drafter = u(username="medan.drafter")
tenant = drafter.tenant
address = PeerAddress.objects.get(
    peer__tenant=tenant, peer__code="binjai", remote_unit="DISKOMINFO", remote_position=""
).address
letter = svc.letter_create(
    by=drafter,
    letter_type=LetterType.objects.get(tenant=tenant, code="surat_dinas"),
    recipients=[RecipientInput(kind="to", address=address)],
    subject="Laporan bulanan layanan aplikasi",
    body="<p>Dengan hormat,</p><p>Bersama ini kami sampaikan laporan bulanan.</p>",
    signer_position=Position.objects.get(tenant=tenant, unit__code="DISKOMINFO", code="KEPALA"),
)
letter = svc.letter_submit(letter=letter, by=drafter)
letter = svc.letter_approve(letter=letter, by=u(username="medan.kasi"))
letter = svc.letter_approve(letter=letter, by=u(username="medan.reviewer"))
letter = svc.letter_sign(letter=letter, by=u(username="medan.head"), passphrase={password!r})
recipient = letter.recipients.get()
ids = []
for i in range({count}):
    copy = Letter.objects.get(pk=letter.pk)
    copy.pk = copy.id = None
    copy.number = f"{{letter.number}}-B{{i + 1}}"
    copy.number_seq = None
    copy.verify_token = secrets.token_urlsafe(32)
    copy.save()
    r = Recipient.objects.get(pk=recipient.pk)
    r.pk = r.id = None
    r.letter = copy
    r.save()
    ids.append(copy.pk)
print(json.dumps(ids))
"""

SEND = """
import json, time
from correspondence import services as svc
from correspondence.models import Letter
from federation.models import Envelope
from organizations.models import User

head = User.objects.get(username="medan.head")
gap = {gap}
start = time.monotonic()
uids = []
for i, pk in enumerate({ids!r}):
    if gap:
        time.sleep(max(0.0, start + i * gap - time.monotonic()))
    letter = svc.letter_send(letter=Letter.objects.get(pk=pk), by=head)
    uids.append(str(Envelope.objects.get(letter=letter).uid))
print(json.dumps(uids))
"""

TIMES = """
import json
from federation.models import Envelope
rows = Envelope.objects.filter(uid__in={uids!r})
print(json.dumps({{"states": {{s: rows.filter(state=s).count() for s in ("queued", "delivered", "refused")}},
    "latency": [(e.delivered_at - e.created_at).total_seconds() for e in rows if e.delivered_at],
    "first": min(e.created_at for e in rows).timestamp(),
    "last": max((e.delivered_at for e in rows if e.delivered_at), default=None) and
            max(e.delivered_at for e in rows if e.delivered_at).timestamp()}}))
"""


def _times(pair, uids: list[str], timeout: float) -> dict:
    """Wait until no envelope is queued (or `timeout`); the envelopes' states and times."""
    end = time.monotonic() + timeout
    while True:
        seen = shell(pair.medan, TIMES.format(uids=uids))
        if not seen["states"]["queued"] or time.monotonic() > end:
            return seen
        time.sleep(2)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--letters", type=int, default=1000)
    p.add_argument("--rate", type=float, default=4.0, help="paced letters per second")
    p.add_argument("--burst", type=int, default=200)
    args = p.parse_args()
    out: dict = {"letters": args.letters, "rate": args.rate, "burst": args.burst}
    t0 = time.monotonic()
    with running_pair("bench", retry_seconds=5) as pair:
        out["start_seconds"] = round(time.monotonic() - t0, 1)
        ids = shell(pair.medan, PREPARE.format(password=PASSWORD, count=args.letters + args.burst))
        paced = shell(pair.medan, SEND.format(gap=1 / args.rate, ids=ids[: args.letters]))
        seen = _times(pair, paced, timeout=600)
        lat = seen["latency"]
        out["paced"] = {
            "states": seen["states"],
            "p50_s": round(statistics.median(lat), 3) if lat else None,
            "p95_s": round(_pct(lat, 0.95), 3),
            "p99_s": round(_pct(lat, 0.99), 3),
            "max_s": round(max(lat), 3) if lat else None,
        }
        burst: list[str] = []
        if args.burst:
            began = time.time()
            burst = shell(pair.medan, SEND.format(gap=0, ids=ids[args.letters :]))
            seen = _times(pair, burst, timeout=900)
            took = (seen["last"] or time.time()) - began
            out["burst"] = {
                "states": seen["states"],
                "seconds": round(took, 1),
                "letters_per_s": round(len(burst) / took, 2) if took else None,
                "p95_s": round(_pct(seen["latency"], 0.95), 3),
            }
        arrived = inbox(pair)
        uids = [a["envelope"] for a in arrived]
        out["exactly_once"] = {
            "sent": len(paced) + len(burst),
            "arrived": len(arrived),
            "distinct": len(set(uids)),
            "missing": len(set(paced + burst) - set(uids)),
        }
    result = ROOT / "bench" / "results" / "federation.json"
    result.write_text(json.dumps(out, indent=2) + "\n")
    sys.stdout.write(json.dumps(out, indent=2) + "\n")
    ok = out["exactly_once"]["missing"] == 0 and out["exactly_once"]["distinct"] == len(uids)
    return 0 if ok and out["exactly_once"]["arrived"] == out["exactly_once"]["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
