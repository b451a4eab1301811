"""Settings of Web Push and the chat gateway (README "Push and chat"), read at the end of
naskah.settings with its parsers and the values they build on."""

from django.core.exceptions import ImproperlyConfigured

from naskah.settings import DATABASES, DEBUG, DEFAULT_FROM_EMAIL, VAR_DIR, _bool, _float, _int, env

# The VAPID private key (base64url: raw 32 bytes or DER; its public half is derived, and
# checked against NASKAH_VAPID_PUBLIC_KEY when that is set) signs what push services take, and
# the subject is the contact they may write to. Without a key, DEBUG and the embedded default
# keep a key they make once in NASKAH_VAPID_KEY_FILE; production sends no push (`check` warns).
NASKAH_VAPID_PRIVATE_KEY = env.str("NASKAH_VAPID_PRIVATE_KEY", default="")
NASKAH_VAPID_PUBLIC_KEY = env.str("NASKAH_VAPID_PUBLIC_KEY", default="")
NASKAH_VAPID_SUBJECT = env.str("NASKAH_VAPID_SUBJECT", default=f"mailto:{DEFAULT_FROM_EMAIL}")
_embedded = DEBUG or DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
_key_file = str(VAR_DIR / "vapid-private.key") if _embedded else ""
NASKAH_VAPID_KEY_FILE = env.str("NASKAH_VAPID_KEY_FILE", default=_key_file)
if not NASKAH_VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("NASKAH_VAPID_SUBJECT must start with mailto: or https://.")
# A message waits NASKAH_PUSH_TTL for a device that is off; a failed push or chat message is
# tried again after NASKAH_PUSH_RETRY_SECONDS, doubling, NASKAH_PUSH_ATTEMPTS times in all.
NASKAH_PUSH_TTL = _int("NASKAH_PUSH_TTL", default=24 * 3600)
NASKAH_PUSH_TIMEOUT = _float("NASKAH_PUSH_TIMEOUT", default=10)  # the chat gateway's too
NASKAH_PUSH_ATTEMPTS = _int("NASKAH_PUSH_ATTEMPTS", default=5)
NASKAH_PUSH_RETRY_SECONDS = _int("NASKAH_PUSH_RETRY_SECONDS", default=30)
# Subscriptions on a plain-HTTP push service on loopback: for tests only.
NASKAH_PUSH_ALLOW_LOOPBACK_HTTP = _bool("NASKAH_PUSH_ALLOW_LOOPBACK_HTTP", default=False)
# Chat (whatsapp or telegram) through an HTTP gateway the office runs or rents: each message
# is POSTed as JSON {to, text, url, channel} with the token as a Bearer and an Idempotency-Key
# that is the same on every retry (notifications/chat.py). Off while the URL is empty.
NASKAH_CHAT_GATEWAY_URL = env.str("NASKAH_CHAT_GATEWAY_URL", default="")
NASKAH_CHAT_GATEWAY_TOKEN = env.str("NASKAH_CHAT_GATEWAY_TOKEN", default="")
NASKAH_CHAT_CHANNEL = env.str("NASKAH_CHAT_CHANNEL", default="whatsapp")
if NASKAH_CHAT_CHANNEL not in {"whatsapp", "telegram"}:
    raise ImproperlyConfigured("NASKAH_CHAT_CHANNEL must be whatsapp or telegram.")
