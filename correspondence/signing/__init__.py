"""Electronic signatures (PAdES B-LTA, pyHanko): the tenant's authority and its revocation
answers (`authority`), long-term signing and renewal (`ltv`), who holds the key (`adapters`)
and validation (`validate`)."""

from .adapters import ADAPTERS, LocalCAAdapter, SigningAdapter, adapter
from .authority import (
    CERT_YEARS,
    Revocation,
    authority_ensure,
    certificate_current,
    certificate_issue,
    certificate_revoke,
    passphrase_check,
)
from .errors import SERVICE_DOWN, WRONG_PASSPHRASE, SigningError
from .ltv import SignSpec, archive_renew, last_timestamp_expiry, trust_roots
from .validate import PdfCheck, SignatureCheck, pdf_validate, sha256

__all__ = [
    "ADAPTERS",
    "CERT_YEARS",
    "SERVICE_DOWN",
    "WRONG_PASSPHRASE",
    "LocalCAAdapter",
    "PdfCheck",
    "Revocation",
    "SignSpec",
    "SignatureCheck",
    "SigningAdapter",
    "SigningError",
    "adapter",
    "archive_renew",
    "authority_ensure",
    "certificate_current",
    "certificate_issue",
    "certificate_revoke",
    "last_timestamp_expiry",
    "passphrase_check",
    "pdf_validate",
    "sha256",
    "trust_roots",
]
