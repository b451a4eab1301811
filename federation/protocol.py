"""The exchange protocol's signed messages: JWS compact serialisation (RFC 7515) with Ed25519
(RFC 8037; the algorithm name of RFC 9864), by joserfc. Every message is a JSON object with
`iss` (the signing instance's address), `iat` (when it was signed), and a `typ` header that
says which message it is (`naskah-envelope`, `naskah-receipt`, `naskah-directory`), so one
kind can never be passed off as another.

An envelope carries the letter's metadata and the sha256 of each file; the files travel
beside it in the same request, and the receiver compares them with the signed digests."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from .models import InstanceKey

ALG = "Ed25519"
ENVELOPE, RECEIPT, DIRECTORY = "naskah-envelope", "naskah-receipt", "naskah-directory"
VERSION = 1


@dataclass(frozen=True)
class Refusal(Exception):
    """Why a message was not accepted: a stable code for the sender's software and a reason
    for its people (stored on their side and shown on the letter)."""

    code: str
    reason: str
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason}


def instance_key() -> OKPKey:
    """This instance's signing key, made the first time it is needed."""
    row = InstanceKey.objects.filter(pk=1).first()
    if row is None:
        try:
            with transaction.atomic():
                row = InstanceKey.objects.create(
                    pk=1, jwk=OKPKey.generate_key(ALG).as_dict(private=True)
                )
        except IntegrityError:  # another process made it first
            row = InstanceKey.objects.get(pk=1)
    return OKPKey.import_key(row.jwk)


def public_jwk() -> dict[str, str]:
    return dict(instance_key().as_dict(private=False))


def key_from_public(value: dict | str) -> OKPKey:
    """A peer's public key from the tenant file: its JWK, or just the JWK's `x`."""
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": value} if isinstance(value, str) else value
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        raise ValueError("an Ed25519 public key (OKP JWK without 'd') is expected")
    return OKPKey.import_key({k: jwk[k] for k in ("kty", "crv", "x")})


def thumbprint(jwk: dict) -> str:
    """The key's RFC 7638 thumbprint: what two administrators compare on the telephone."""
    return OKPKey.import_key({k: jwk[k] for k in ("kty", "crv", "x")}).thumbprint()


def sign(typ: str, claims: dict) -> str:
    """`claims` signed by this instance as a `typ` message."""
    key = instance_key()
    body = {"v": VERSION, "iss": settings.NASKAH_INSTANCE_URL, "iat": int(time.time()), **claims}
    header = {"alg": ALG, "typ": typ, "kid": key.thumbprint()}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, key, algorithms=[ALG])


def peek(token: str, typ: str) -> dict:
    """The claims of a `typ` message before its signature is checked: only to find out who
    says they sent it (the key to check it with). Raises Refusal."""
    try:
        compact = jws.extract_compact(token.encode() if isinstance(token, str) else token)
        header, claims = compact.headers(), json.loads(compact.payload)
    except (JoseError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Refusal("malformed", "The message is not a signed Naskah message.") from exc
    if header.get("typ") != typ or header.get("alg") != ALG or not isinstance(claims, dict):
        raise Refusal("malformed", f"The message is not a {typ}.")
    if claims.get("v") != VERSION or not isinstance(claims.get("iss"), str):
        raise Refusal("version", "The message's protocol version is not supported.")
    return claims


def verify(token: str, typ: str, key: OKPKey, *, max_age: int | None = None) -> dict:
    """The claims of a `typ` message signed with `key`, signed recently enough (within the
    allowed clock skew, or `max_age` seconds). Raises Refusal."""
    peek(token, typ)
    try:
        claims = json.loads(jws.deserialize_compact(token, key, algorithms=[ALG]).payload)
    except (JoseError, ValueError) as exc:
        raise Refusal("bad_signature", "The instance signature does not verify.", 401) from exc
    age = time.time() - float(claims.get("iat", 0))
    skew = settings.NASKAH_FEDERATION_CLOCK_SKEW
    if age < -skew or age > (max_age if max_age is not None else skew):
        raise Refusal("stale", "The message was signed too long ago or in the future.", 401)
    return claims
