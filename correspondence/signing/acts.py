"""The archive's berita acara signed like letters (`archive.registry.ActSigner`): the same
adapter and passphrase, the same second factor and lockout, registered in `apps.py` so the
archive never imports this app."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.lockout import is_wrong_passphrase, secret_failed, secret_guard
from accounts.permissions import has_second_factor

from .adapters import adapter
from .errors import SigningError
from .ltv import SignSpec


class ArchiveActSigner:
    def verified(self, user) -> bool:
        return has_second_factor(user)

    def guard(self, request, user) -> None:
        secret_guard(request, user)

    def refused(self, request, user, exc) -> None:
        if is_wrong_passphrase(exc):
            secret_failed(request, user)

    def sign(self, pdf: bytes, *, user, passphrase: str, reason: str, location: str) -> bytes:
        # The one signature of the act: it certifies the document and allows no change
        # after it (its revocation data and document timestamp aside).
        spec = SignSpec(
            field_name="TTE1", reason=reason, location=location, certify=True, lock=True
        )
        engine = adapter()
        try:
            engine.check(user)
            return engine.sign(pdf, user=user, passphrase=passphrase, spec=spec)
        except SigningError as exc:
            raise ValidationError(
                {"passphrase": ValidationError(exc.message, code=exc.code)}
            ) from None
