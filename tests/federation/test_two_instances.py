"""Two deployments on loopback (issue 28), each with its own PostgreSQL database, daphne, task
worker, scheduler and timestamp authority (scripts/instance.py through tests/instances.py):
Medan on one, the partner city Binjai on the other. Each is a deployment of its own (its
brand, its users, its tokens, production settings); a letter crosses, is registered, read and
done, and Medan sees each receipt; a replay is a duplicate, a flipped byte and an unknown
peer are refused, and a letter sent while the receiver is down arrives once when it is back;
stopping leaves no process behind. One pair of instances serves all of it (each start costs
a minute of CPU)."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
from joserfc import jws
from joserfc.jwk import OKPKey

from tests.instances import live_processes

from .pair import deliver_again, finish, inbox, read, running_pair, send, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.clock_free]


def _settled(uid):
    return lambda seen: uid in seen and seen[uid]["state"] != "queued"


USER_EXISTS = (
    "from organizations.models import User; "
    "print('user:', User.objects.filter(username='{}').exists())"
)


def _independent(pair) -> None:
    """Each instance is a deployment of its own: its processes and database, its brand, its
    users and tokens, production settings, links with its port."""
    medan, binjai = pair.medan, pair.binjai
    assert len(medan.state()["processes"]) == len(binjai.state()["processes"]) == 4
    assert len({i.state()["env"]["DATABASE_URL"] for i in (medan, binjai)}) == 2
    status, page = medan.get("/accounts/login/", tenant="medan")
    assert status == 200 and "Sarana" in page and "SiRambe" not in page
    status, page = binjai.get("/accounts/login/", tenant="binjai")
    assert status == 200 and "SiRambe" in page and "Sarana" not in page
    assert "Sarana" not in binjai.get("/accounts/login/", tenant=None)[1]
    status, page = medan.get("/no-such-page/", tenant="medan")
    assert status == 404 and "Traceback" not in page
    out = medan.shell(
        "from organizations.models import Tenant, User\n"
        "User.objects.create_user('federasi.uji', password='Tidak-Dipakai-2026')\n"
        "print('base:', Tenant.objects.get(slug='medan').site_url)\n"
        + USER_EXISTS.format("federasi.uji")
    )
    assert "user: True" in out
    assert "user: False" in binjai.shell(USER_EXISTS.format("federasi.uji"))
    assert f"base: http://medan.localhost:{medan.port}\n" in out
    assert re.search(r"Listening on TCP address 127\.0\.0\.1:\d+", medan.log("web"))
    token = binjai.token("binjai.clerk")
    status, units = binjai.get("/api/v1/units/", tenant="binjai", token=token)
    assert status == 200 and "KEC-BINJAI-KOTA" in units
    assert medan.get("/api/v1/units/", tenant="medan", token=token)[0] in {401, 403}


def test_two_instances_exchange_letters_with_every_receipt_and_no_duplicate():
    with running_pair("fed") as pair:
        _independent(pair)
        pids = pair.medan.pids() + pair.binjai.pids()
        # A letter goes across and is registered in Binjai's Diskominfo.
        [sent] = send(pair)
        uid = sent["envelope"]
        seen = wait_for(pair, [uid], _settled(uid))
        assert seen[uid]["state"] == "delivered", (seen, pair.medan.log("worker")[-3000:])
        [arrived] = inbox(pair)
        assert (arrived["envelope"], arrived["unit"]) == (uid, "DISKOMINFO")
        assert arrived["number"] == sent["number"] and seen[uid]["agenda"] == arrived["agenda"]
        # Read, then done: each receipt reaches Medan.
        read(pair, arrived["delivery"])
        seen = wait_for(pair, [uid], lambda s: s[uid]["read"])
        assert seen[uid]["read"] and not seen[uid]["done"]
        finish(pair, arrived["delivery"])
        assert wait_for(pair, [uid], lambda s: s[uid]["done"])[uid]["done"]

        # A replayed envelope is a duplicate: the first receipt again, no second entry.
        again = deliver_again(pair, uid)
        assert (again["status"], again["code"]) == (409, "duplicate")
        # A byte of the PDF flipped in transit is refused.
        flipped = deliver_again(pair, uid, flip=True)
        assert (flipped["outcome"], flipped["code"]) == ("refused", "tampered")
        # An instance Binjai does not know is refused.
        stranger = OKPKey.generate_key("Ed25519")
        claims = {
            "v": 1,
            "iss": "http://127.0.0.1:9",
            "iat": int(time.time()),
            "from": {"tenant": "medan"},
        }
        forged = jws.serialize_compact(
            {"alg": "Ed25519", "typ": "naskah-envelope"},
            json.dumps(claims).encode(),
            stranger,
            algorithms=["Ed25519"],
        )
        r = requests.post(
            f"http://127.0.0.1:{pair.binjai.port}/federation/v1/binjai/envelopes",
            data={"envelope": forged},
            timeout=30,
        )
        assert r.status_code == 403 and r.json()["code"] == "unknown_peer"
        assert len(inbox(pair)) == 1

        # The receiver is down when the next letter is sent: it waits, retried, and arrives
        # once when Binjai is back.
        pair.binjai.stop(drop=False)
        [second] = send(pair, "Undangan rapat koordinasi")
        late = second["envelope"]
        seen = wait_for(pair, [late], lambda s: s[late]["attempts"] >= 1)
        assert seen[late]["state"] == "queued" and seen[late]["attempts"] >= 1
        pair.binjai.start(fresh=False)
        seen = wait_for(pair, [late], _settled(late), timeout=180)
        assert seen[late]["state"] == "delivered"
        assert [a["envelope"] for a in inbox(pair)] == [uid, late]
        pids += pair.binjai.pids()
    # Stopping leaves no process behind.
    assert pids and not set(pids) & {pid for pid, _group in live_processes()}
