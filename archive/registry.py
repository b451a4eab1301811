"""What other apps tell the archive about the documents they file, without the archive
importing them: who may open a source document (its access carries over to the record), and
who signs the archive's own acts electronically (the signing app's keys, second factor and
lockout)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from django.db.models import QuerySet

# (user) -> a query of the source model's ids the user may open.
SourceAccess = Callable[[object], QuerySet]

_access: dict[str, SourceAccess] = {}


def source_access_register(model_label: str, access: SourceAccess) -> None:
    """Register the access rule of a source model ("correspondence.letter")."""
    _access[model_label.lower()] = access


def source_access() -> dict[str, SourceAccess]:
    return dict(_access)


class ActSigner(Protocol):
    """Signs a berita acara of the archive for the official it names, with the secret only
    that official holds (their signing passphrase, typed for this one signature)."""

    def verified(self, user) -> bool:
        """Whether the user's session passed a second factor (signing needs it)."""

    def guard(self, request, user) -> None:
        """Raise PermissionDenied (with a message) while the user's account is locked out."""

    def refused(self, request, user, exc) -> None:
        """Count a ValidationError from `sign` toward the lockout when it is a wrong
        passphrase."""

    def sign(self, pdf: bytes, *, user, passphrase: str, reason: str, location: str) -> bytes:
        """The PDF with the user's PAdES B-LTA signature (certifying, no later change
        allowed). Raises ValidationError on "passphrase" (a wrong passphrase carries the code
        "wrong_passphrase"); nothing is kept."""


_signer: list[ActSigner] = []


def act_signer_register(signer: ActSigner) -> None:
    """Register the signer of the archive's acts (one; a later one replaces it)."""
    _signer[:] = [signer]


def act_signer() -> ActSigner | None:
    return _signer[0] if _signer else None
