"""Two deployments on loopback (issue 28), each with its own PostgreSQL database, daphne, task
worker, scheduler and timestamp authority: Medan on one, the partner city Binjai on the
other. A letter crosses, is registered, read and done, and Medan sees each receipt; a replay
is a duplicate, a flipped byte and an unknown peer are refused, and a letter sent while the
receiver is down arrives once when it is back."""

from __future__ import annotations

import json
import time

import pytest
import requests
from joserfc import jws
from joserfc.jwk import OKPKey

from .pair import deliver_again, finish, inbox, read, running_pair, send, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.clock_free]


def _settled(uid):
    return lambda seen: uid in seen and seen[uid]["state"] != "queued"


def test_letters_cross_between_two_instances_with_every_receipt_and_no_duplicate():
    with running_pair("fed") as pair:
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
