"""300 civil servants at work, for `bench/load.py` (which prepares personas and servers).

Each simulated user is one persona of the generated data set, already signed in (the runner
made their sessions, verified with a second factor where the role needs it), and talks to one
of the daphne processes with their tenant's host name. Between actions they think for
`NASKAH_THINK` seconds (default 5 to 15), as people reading letters do. Heads read their unit inbox, open letters, disposition
to the heads below and now and then write, sign and send a short letter of their own; clerks
and staff read inboxes and dispositions, open letters and compose drafts for their head.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from pathlib import Path

from locust import HttpUser, between, task

PERSONAS = json.loads(Path(os.environ["NASKAH_PERSONAS"]).read_text(encoding="utf-8"))
SERVERS = os.environ["NASKAH_SERVERS"].split(",")
_next = iter(range(10**9))


class CivilServant(HttpUser):
    host = SERVERS[0]
    wait_time = between(*(float(x) for x in os.environ.get("NASKAH_THINK", "5,15").split(",")))

    def on_start(self):
        self.me = PERSONAS[next(_next) % len(PERSONAS)]
        self.client.base_url = SERVERS[hash(self.me["username"]) % len(SERVERS)]
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.client.cookies.set("sessionid", self.me["session"])
        self.client.cookies.set("csrftoken", csrf)
        self.client.headers.update({"Host": self.me["host"], "X-CSRFToken": csrf})
        self.letters: list[int] = []

    # --- reading -------------------------------------------------------------------------
    @task(6)
    def read_inbox(self):
        unit = self.me.get("unit")
        url = f"/letters/inbox/?unit={unit}" if unit else "/letters/inbox/?tab=personal"
        self.client.get(url, name="inbox page")
        response = self.client.get(
            f"/api/v1/inbox/?unit={unit}&page_size=10" if unit else "/api/v1/dispositions/",
            name="inbox API" if unit else "dispositions API",
        )
        if response.ok:
            rows = response.json().get("results", [])
            self.letters = [
                r["letter"]["id"]
                if "letter" in r and isinstance(r["letter"], dict)
                else r["letter"]
                for r in rows
            ] or self.letters
            self.deliveries = [r for r in rows if isinstance(r.get("letter"), dict)]

    @task(4)
    def open_letter(self):
        if not self.letters:
            return self.read_inbox()
        self.client.get(f"/letters/{random.choice(self.letters)}/", name="letter page")

    @task(1)
    def outbox(self):
        self.client.get("/letters/outbox/", name="outbox page")

    # --- heads ---------------------------------------------------------------------------
    @task(2)
    def disposition(self):
        if self.me["kind"] != "head" or not self.me["below"]:
            return
        waiting = [
            d
            for d in getattr(self, "deliveries", [])
            if d["kind"] == "to" and d["state"] in ("delivered", "read")
        ]
        if not waiting:
            return self.read_inbox()
        delivery = random.choice(waiting)
        self.deliveries.remove(delivery)
        self.client.post(
            f"/api/v1/deliveries/{delivery['id']}/dispositions/",
            json={
                "to_positions": [random.choice(self.me["below"])],
                "instructions": [self.me["instruction"]],
                "note": "Mohon ditindaklanjuti.",
            },
            name="disposition",
        )

    @task(1)
    def compose_sign_send(self):
        if self.me["kind"] == "staff":
            return self.compose_draft()
        if self.me["kind"] != "head":  # clerks register and route; they hold no post to draft
            return None
        letter = self._compose(self.me["position"])
        if letter is None:
            return
        url = f"/api/v1/letters/{letter}/"
        if not self.client.post(url + "submit/", json={"route": []}, name="submit").ok:
            return
        signed = self.client.post(
            url + "sign/", json={"password": self.me["password"]}, name="sign (request)"
        )
        if not signed.ok:
            return
        deadline = time.monotonic() + 30  # the worker signs in the background
        while time.monotonic() < deadline:
            state = self.client.get(url, name="letter API (await signature)").json()["state"]
            if state == "signed":
                self.client.post(url + "send/", json={}, name="send")
                return
            time.sleep(1)
        self.environment.events.request.fire(
            request_type="TASK",
            name="signature within 30 s",
            response_time=30000,
            response_length=0,
            exception=TimeoutError("not signed within 30 s"),
            context={},
        )

    # --- staff ---------------------------------------------------------------------------
    def compose_draft(self):
        letter = self._compose(self.me["signer"])
        if letter is not None:
            self.client.post(f"/api/v1/letters/{letter}/submit/", json={"route": []}, name="submit")

    def _compose(self, signer: int) -> int | None:
        response = self.client.post(
            "/api/v1/letters/",
            json={
                "letter_type": "nota_dinas",
                "subject": f"Laporan kegiatan {random.randint(1, 10**6)}",
                "body": "<p>Dengan hormat, bersama ini kami sampaikan laporan kegiatan.</p>",
                "classification_code": "000.1",
                "signer_position": signer,
                "recipients": [{"kind": "to", "unit": u} for u in self.me["recipients"]],
            },
            name="compose",
        )
        return response.json()["id"] if response.status_code == 201 else None
