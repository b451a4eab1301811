"""Web Push (RFC 8030/8291/8292): this server's VAPID key pair and one encrypted send.

The key comes from the settings; without one, DEBUG and the embedded default make a key once
and keep it in NASKAH_VAPID_KEY_FILE (subscriptions are bound to the public key: a new key
would orphan every device), so `make run` pushes without configuration.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

log = logging.getLogger(__name__)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private: str  # base64url of the raw 32-byte private value
    public: str  # base64url of the uncompressed point: the browser's applicationServerKey


def raw_private(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_of(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _load(text: str) -> ec.EllipticCurvePrivateKey:
    """A private key given as base64url: raw 32 bytes (what `web-push generate-vapid-keys`
    prints) or DER; or PEM."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        raw = b64url_decode(text.replace("\n", ""))
        if len(raw) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("a VAPID key is an EC P-256 key")
    return key


def _from_file(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        return _load(path.read_text())
    except FileNotFoundError:
        pass
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(raw_private(key) + "\n")
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # the first process to make one wins; the others read it
    except FileExistsError:
        key = _load(path.read_text())
    finally:
        tmp.unlink()
    log.info("made a VAPID key pair for development in %s", path)
    return key


@lru_cache(maxsize=4)
def _keys(private: str, public: str, key_file: str) -> VapidKeys | None:
    if private:
        key = _load(private)
    elif key_file:
        key = _from_file(Path(key_file))
    else:
        return None
    derived = public_of(key)
    if public and public != derived:
        raise ValueError("NASKAH_VAPID_PUBLIC_KEY is not the public half of the private key")
    return VapidKeys(private=raw_private(key), public=derived)


def vapid_keys() -> VapidKeys | None:
    """This server's VAPID key pair, or None when push is off (production without a key)."""
    return _keys(
        settings.NASKAH_VAPID_PRIVATE_KEY,
        settings.NASKAH_VAPID_PUBLIC_KEY,
        settings.NASKAH_VAPID_KEY_FILE,
    )


def push_enabled() -> bool:
    try:
        return vapid_keys() is not None
    except (ValueError, OSError):
        log.warning("the VAPID key cannot be read: no push is sent", exc_info=True)
        return False


def is_valid_p256dh(text: str) -> bool:
    """A browser's public key: an uncompressed P-256 point on the curve."""
    try:
        raw = b64url_decode(text)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, TypeError):
        return False
    return len(raw) == 65


def is_valid_auth(text: str) -> bool:
    """A subscription's authentication secret: 16 random bytes."""
    try:
        return len(b64url_decode(text)) == 16
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True)
class Outcome:
    ok: bool = False
    gone: bool = False  # the push service forgot the subscription: drop it
    retry: bool = False  # worth another try later
    reason: str = ""


# A push service's answer that says the request itself is wrong: trying again will not help.
_PERMANENT = {400, 401, 403, 413}


def send(*, endpoint: str, p256dh: str, auth: str, payload: dict, urgency: str) -> Outcome:
    """Encrypt `payload` (aes128gcm) for one subscription and hand it to its push service,
    signed with this server's VAPID key."""
    # Imported here: pywebpush pulls in requests and aiohttp, wanted only by workers.
    import requests
    from pywebpush import WebPushException, webpush

    keys = vapid_keys()
    if keys is None:
        return Outcome(reason="push is not configured")
    try:
        webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=keys.private,
            vapid_claims={"sub": settings.NASKAH_VAPID_SUBJECT},  # a fresh dict: it gets aud
            ttl=settings.NASKAH_PUSH_TTL,
            timeout=settings.NASKAH_PUSH_TIMEOUT,
            headers={"Urgency": urgency},
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status in {404, 410}:
            return Outcome(gone=True, reason=str(status))
        return Outcome(retry=status not in _PERMANENT, reason=f"{status} {exc.message[:200]}")
    except (requests.RequestException, OSError) as exc:
        return Outcome(retry=True, reason=type(exc).__name__)
    return Outcome(ok=True)
