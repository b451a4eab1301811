#!/usr/bin/env python3
"""`make federation-demo`: two Naskah instances on loopback (Medan on one, the partner city
Binjai on the other, each with its own database and processes), connected as two
administrators would connect them; a letter goes from Medan's Diskominfo to Binjai's, Binjai's
head reads it and closes it, and each signed receipt is printed as it reaches Medan. Exits 0
once the done receipt is back, having stopped everything it started.

With DATABASE_URL pointing at PostgreSQL, each instance gets a database of its own on that
server; without it, each keeps a SQLite file of its own."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.federation.pair import finish, inbox, read, running_pair, send, wait_for


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> int:
    say("Starting two instances (database, migrations, tenant, signing keys, processes)...")
    began = time.monotonic()
    with running_pair("demo", retry_seconds=5) as pair:
        say(f"  Medan:  {pair.medan.url('medan')}   (instance {pair.medan.port})")
        say(f"  Binjai: {pair.binjai.url('binjai')}  (instance {pair.binjai.port})")
        say(f"  both up and connected in {time.monotonic() - began:.0f} s")
        [sent] = send(pair)
        uid = sent["envelope"]
        say(f"Medan sent letter {sent['number']} to Binjai's Diskominfo (envelope {uid})")
        seen = wait_for(pair, [uid], lambda s: s[uid]["state"] != "queued", timeout=120)
        if seen[uid]["state"] != "delivered":
            say(f"  NOT DELIVERED: {seen[uid]}")
            return 1
        took = seen[uid]["seconds"]
        say(
            f"  receipt: delivered, agenda {seen[uid]['agenda']} at Binjai "
            f"({took:.2f} s from the send's commit to the signed receipt at Medan)"
        )
        [arrived] = [a for a in inbox(pair) if a["envelope"] == uid]
        say("Binjai's head opens the letter...")
        read(pair, arrived["delivery"])
        if not wait_for(pair, [uid], lambda s: s[uid]["read"], timeout=120)[uid]["read"]:
            say("  no read receipt")
            return 1
        say("  receipt: read")
        say("Binjai's head closes it as done...")
        finish(pair, arrived["delivery"])
        if not wait_for(pair, [uid], lambda s: s[uid]["done"], timeout=120)[uid]["done"]:
            say("  no done receipt")
            return 1
        say("  receipt: done")
        say("Stopping both instances.")
    say("Done: the letter went across and every receipt came back.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
