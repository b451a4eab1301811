"""The seam between the exchange and the systems it talks to. The services build signed
envelopes and receipts and decide what an answer means; an adapter only carries them. The
Naskah-to-Naskah protocol over HTTP is the first adapter. A national system (Srikandi, or a
ministry behind the SPLP integration layer) would be another: it maps the same `Outgoing`
(metadata, files, digests) onto that system's API and its answers back onto `Answer`; see the
README's "Partner cities" section for what such an integration needs.

Every call answers with an `Answer`: `ok` (the peer took it; `body` is its JSON), `refused`
(a final no, with the peer's code and reason) or `retry` (nothing is known: a timeout, a
refused connection, a 5xx, a 429; the outbox tries again later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import requests
from django.conf import settings


@dataclass(frozen=True)
class FilePart:
    part: str  # the form field it travels in
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """A signed envelope and the files its digests name."""

    token: str
    files: list[FilePart] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    outcome: str  # "ok", "refused", "retry"
    status: int = 0
    body: dict = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def answer_from(status: int, body) -> Answer:
    """What an HTTP answer means: taken (2xx, or 409 for something already taken, with a
    body), a final refusal (another 4xx that says why), or unknown (5xx, 408, 425, 429, or an
    answer without the JSON a Naskah instance gives: a proxy's error page)."""
    body = body if isinstance(body, dict) else {}
    if status in (200, 201, 409) and body:
        return Answer("ok", status, body)
    if status >= 500 or status in (408, 425, 429) or not body or "code" not in body:
        return Answer("retry", status, body, error=f"HTTP {status}")
    return Answer("refused", status, body, error=str(body.get("reason", ""))[:500])


class ExchangeAdapter(Protocol):
    def directory(self, peer) -> Answer: ...

    def deliver(self, peer, outgoing: Outgoing) -> Answer: ...

    def receipt(self, peer, token: str) -> Answer: ...


class NaskahAdapter:
    """Another Naskah instance, at `peer.instance_url`, for its tenant `peer.remote_tenant`."""

    def _url(self, peer, what: str) -> str:
        return f"{peer.instance_url.rstrip('/')}/federation/v1/{peer.remote_tenant}/{what}"

    def _call(self, method: str, url: str, **kwargs) -> Answer:
        try:
            r = requests.request(method, url, timeout=settings.NASKAH_FEDERATION_TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            return Answer("retry", error=f"{type(exc).__name__}: {exc}"[:500])
        try:
            body = r.json()
        except ValueError:
            body = {}
        return answer_from(r.status_code, body)

    def directory(self, peer) -> Answer:
        return self._call("GET", self._url(peer, "directory"))

    def deliver(self, peer, outgoing: Outgoing) -> Answer:
        files = [(f.part, (f.name, f.data, f.content_type)) for f in outgoing.files]
        return self._call(
            "POST", self._url(peer, "envelopes"), data={"envelope": outgoing.token}, files=files
        )

    def receipt(self, peer, token: str) -> Answer:
        return self._call("POST", self._url(peer, "receipts"), json={"receipt": token})


ADAPTERS: dict[str, ExchangeAdapter] = {"naskah": NaskahAdapter()}


def adapter_for(peer) -> ExchangeAdapter:
    return ADAPTERS["naskah"]
