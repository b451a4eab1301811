"""Two tenants of this test database as two instances' tenants: Medan and Tangerang are each
other's peers, and the protocol runs over Django's test client (real views, real signatures,
one process). The two-process test (tests/federation/test_two_instances.py) runs it over
HTTP between two deployments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from federation import adapters
from federation.protocol import public_jwk
from federation.services import directory_pin, peer_set

URL = "http://naskah.test"


@dataclass
class ClientAdapter:
    """The Naskah adapter's three calls through the test client. `down` answers that many
    calls with a 503 before reaching the peer; `lose` lets the peer take that many envelopes
    and then loses its answer (a timeout after the work was done); `tamper` changes what
    travels."""

    client: Client = field(default_factory=Client)
    down: int = 0
    lose: int = 0
    tamper: object = None
    posted: list = field(default_factory=list)

    def _answer(self, r) -> adapters.Answer:
        try:
            body = r.json()
        except ValueError:
            body = {}
        return adapters.answer_from(r.status_code, body)

    def directory(self, peer):
        return self._answer(self.client.get(f"/federation/v1/{peer.remote_tenant}/directory"))

    def deliver(self, peer, outgoing):
        if self.down:
            self.down -= 1
            return adapters.Answer("retry", 503, error="HTTP 503")
        if self.tamper is not None:
            outgoing = self.tamper(outgoing)
        self.posted.append(outgoing)
        r = self.post_envelope(peer.remote_tenant, outgoing)
        if self.lose:
            self.lose -= 1
            return adapters.Answer("retry", error="ReadTimeout: the answer was lost")
        return self._answer(r)

    def post_envelope(self, slug, outgoing):
        data = {"envelope": outgoing.token}
        for f in outgoing.files:
            data[f.part] = SimpleUploadedFile(f.name, f.data, f.content_type)
        return self.client.post(f"/federation/v1/{slug}/envelopes", data)

    def receipt(self, peer, token):
        if self.down:
            self.down -= 1
            return adapters.Answer("retry", 503, error="HTTP 503")
        r = self.client.post(
            f"/federation/v1/{peer.remote_tenant}/receipts",
            json.dumps({"receipt": token}),
            content_type="application/json",
        )
        return self._answer(r)


@pytest.fixture
def exchange(world, settings, monkeypatch):
    """Medan and Tangerang as peers, directories pinned; `.wire` is the adapter."""
    settings.NASKAH_INSTANCE_URL = URL
    wire = ClientAdapter()
    monkeypatch.setitem(adapters.ADAPTERS, "naskah", wire)
    key = public_jwk()["x"]
    medan = peer_set(
        tenant=world.tenant,
        code="tangerang",
        name="Pemerintah Kota Tangerang",
        instance_url=URL,
        remote_tenant=world.other_tenant.slug,
        key=key,
    )
    tangerang = peer_set(
        tenant=world.other_tenant,
        code="medan",
        name="Pemerintah Kota Medan",
        instance_url=URL,
        remote_tenant=world.tenant.slug,
        key=key,
    )
    directory_pin(medan)
    directory_pin(tangerang)
    medan.refresh_from_db()
    tangerang.refresh_from_db()
    return SimpleNamespace(wire=wire, medan=medan, tangerang=tangerang)
