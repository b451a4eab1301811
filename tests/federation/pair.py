"""Two instances that exchange letters, for the two-instance test, `make federation-demo` and
bench/federation.py: Medan (tenants/medan-mini.yaml) on one, Binjai (tenants/partner-binjai.yaml)
on the other, each started by scripts/instance.py with a database, a task worker, a scheduler
and a timestamp authority of its own. What people do on either side runs through the
services in `manage.py shell` against that instance, as the pages would."""

from __future__ import annotations

import json
import re
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.instances import BINJAI, MEDAN_MINI, Instance, free_port, running_instances
from tests.instances import instance as new_instance

PASSWORD = "Naskah-Demo-2026"  # the demo users' password and signing passphrase


@dataclass
class Pair:
    medan: Instance
    binjai: Instance


def instance_env(port: int, retry_seconds: int = 2) -> dict[str, str]:
    return {
        "NASKAH_INSTANCE_URL": f"http://127.0.0.1:{port}",
        "NASKAH_FEDERATION_RETRY_SECONDS": str(retry_seconds),
    }


@contextmanager
def running_pair(prefix: str = "fed", *, retry_seconds: int = 2) -> Iterator[Pair]:
    """Both instances started (at once) and connected; both stopped and dropped after."""
    ports = free_port(), free_port()
    medan = new_instance(
        f"{prefix}-medan", ports[0], [MEDAN_MINI], env=instance_env(ports[0], retry_seconds)
    )
    binjai = new_instance(
        f"{prefix}-binjai", ports[1], [BINJAI], env=instance_env(ports[1], retry_seconds)
    )
    with running_instances(medan, binjai):
        pair = Pair(medan, binjai)
        connect(pair)
        yield pair


def card(instance: Instance) -> dict[str, str]:
    out = instance.manage("federation_instance")
    return dict(re.findall(r"^(\w+):\s+(\S+)$", out, re.MULTILINE))


def connect(pair: Pair) -> None:
    """What two administrators do: exchange cards, add each other, pin the directories."""
    medan, binjai = card(pair.medan), card(pair.binjai)
    pair.medan.manage(
        "federation_peer",
        "medan",
        "--code=binjai",
        "--name=Pemerintah Kota Binjai",
        f"--instance={binjai['instance']}",
        "--peer-tenant=binjai",
        f"--key={binjai['key']}",
    )
    pair.binjai.manage(
        "federation_peer",
        "binjai",
        "--code=medan",
        "--name=Pemerintah Kota Medan",
        f"--instance={medan['instance']}",
        "--peer-tenant=medan",
        f"--key={medan['key']}",
    )
    pair.medan.manage("federation_directory", "medan")
    pair.binjai.manage("federation_directory", "binjai")


def shell(instance: Instance, code: str) -> dict:
    """Run `code` in the instance's `manage.py shell`; it prints one JSON line last."""
    out = instance.manage("shell", "--no-imports", "-c", textwrap.dedent(code), timeout=3600)
    return json.loads(out.strip().splitlines()[-1])


SEND = """
import json
from correspondence import services as svc
from correspondence.models import LetterType
from correspondence.services import RecipientInput
from federation.models import Envelope, PeerAddress
from organizations.models import Position, User

PASSWORD = {password!r}
u = User.objects.get
drafter = u(username="medan.drafter")
tenant = drafter.tenant
address = PeerAddress.objects.get(
    peer__tenant=tenant, peer__code="binjai", remote_unit="DISKOMINFO", remote_position=""
).address
made = []
for i in range({count}):
    letter = svc.letter_create(
        by=drafter,
        letter_type=LetterType.objects.get(tenant=tenant, code="surat_dinas"),
        recipients=[RecipientInput(kind="to", address=address)],
        subject={subject!r} + (f" ({{i + 1}})" if {count} > 1 else ""),
        body="<p>Dengan hormat,</p><p>Kami mohon data aplikasi layanan publik Kota Binjai.</p>",
        signer_position=Position.objects.get(tenant=tenant, unit__code="DISKOMINFO", code="KEPALA"),
    )
    letter = svc.letter_submit(letter=letter, by=drafter)
    letter = svc.letter_approve(letter=letter, by=u(username="medan.kasi"))
    letter = svc.letter_approve(letter=letter, by=u(username="medan.reviewer"))
    head = u(username="medan.head")
    letter = svc.letter_sign(letter=letter, by=head, passphrase=PASSWORD)
    letter = svc.letter_send(letter=letter, by=head)
    made.append({{"letter": letter.pk, "number": letter.number,
                 "envelope": str(Envelope.objects.get(letter=letter).uid)}})
print(json.dumps(made))
"""


def send(pair: Pair, subject: str = "Permohonan data aplikasi", count: int = 1) -> list[dict]:
    """Medan's drafter writes, two reviewers paraf, the head signs and sends to Binjai's
    Diskominfo; the letters' ids, numbers and envelope ids."""
    return shell(pair.medan, SEND.format(password=PASSWORD, subject=subject, count=count))


TRACK = """
import json
from federation.models import Envelope
print(json.dumps({{str(e.uid): {{"state": e.state, "agenda": e.agenda_number,
    "attempts": e.attempts, "refused": e.refused_code,
    "delivered": bool(e.delivered_at), "read": bool(e.read_at), "done": bool(e.done_at),
    "seconds": e.delivered_at and (e.delivered_at - e.created_at).total_seconds()}}
    for e in Envelope.objects.filter(uid__in={uids!r})}}))
"""


def track(pair: Pair, uids: list[str]) -> dict[str, dict]:
    return shell(pair.medan, TRACK.format(uids=uids))


def wait_for(pair: Pair, uids: list[str], test, *, timeout: float = 120) -> dict[str, dict]:
    """Poll Medan's tracking until `test(tracking)` holds; the last tracking."""
    end = time.monotonic() + timeout
    while True:
        seen = track(pair, uids)
        if test(seen) or time.monotonic() > end:
            return seen
        time.sleep(1)


INBOX = """
import json
from correspondence.models import Delivery
from federation.models import Arrival
print(json.dumps([{{"envelope": str(a.uid), "delivery": a.delivery_id,
    "agenda": a.delivery.agenda_number, "unit": a.delivery.unit.code,
    "number": a.letter.sender_number, "state": a.delivery.state}}
    for a in Arrival.objects.select_related("delivery__unit", "letter").order_by("pk")]))
"""


def inbox(pair: Pair) -> list[dict]:
    """What arrived at Binjai from Medan."""
    return shell(pair.binjai, INBOX.format())


READ_AND_DONE = """
import json
from correspondence import services as svc
from correspondence.models import Delivery
from organizations.models import User

head = User.objects.get(username="binjai.head")
d = Delivery.objects.select_related("letter").get(pk={delivery})
svc.letter_opened(letter=d.letter, by=head)
{finish}
print(json.dumps({{"ok": True}}))
"""


def read(pair: Pair, delivery: int) -> None:
    """Binjai's head opens the letter."""
    shell(pair.binjai, READ_AND_DONE.format(delivery=delivery, finish=""))


def finish(pair: Pair, delivery: int) -> None:
    """Binjai's head closes it as done."""
    done = "d.refresh_from_db(); svc.delivery_finish(delivery=d, by=head)"
    shell(pair.binjai, READ_AND_DONE.format(delivery=delivery, finish=done))


AGAIN = """
import dataclasses, json, uuid
from federation import protocol
from federation.adapters import Outgoing, adapter_for
from federation.models import Envelope
from federation.services.outbox import envelope_outgoing

env = Envelope.objects.select_related("target__peer").get(uid={uid!r})
out = envelope_outgoing(env)
if {flip}:  # a byte of the PDF changed in transit, under a fresh envelope id
    claims = protocol.peek(out.token, protocol.ENVELOPE)
    claims["jti"] = str(uuid.uuid4())
    token = protocol.sign(protocol.ENVELOPE, {{k: v for k, v in claims.items()
                                             if k not in ("v", "iss", "iat")}})
    data = bytearray(out.files[0].data)
    data[len(data) // 2] ^= 1
    out = Outgoing(token, [dataclasses.replace(out.files[0], data=bytes(data)), *out.files[1:]])
answer = adapter_for(env.target.peer).deliver(env.target.peer, out)
print(json.dumps({{"outcome": answer.outcome, "status": answer.status,
                  "code": answer.body.get("code", "")}}))
"""


def deliver_again(pair: Pair, uid: str, *, flip: bool = False) -> dict:
    """Send a delivered envelope once more from Medan (a replay), or a copy with a byte of its
    PDF flipped; Binjai's answer."""
    return shell(pair.medan, AGAIN.format(uid=uid, flip=flip))
