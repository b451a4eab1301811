"""The one error a signature can end in: a code and an Indonesian message that says what is
wrong and what to do."""

from __future__ import annotations


class SigningError(Exception):
    """Signing failed; `message` tells the signer what is wrong and what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Codes a signer meets, so views and the lockout can tell them apart.
WRONG_PASSPHRASE = "wrong_passphrase"
SERVICE_DOWN = "service_down"
