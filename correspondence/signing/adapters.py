"""Who holds the signer's key: an adapter signs one PDF for one user with the secret only that
user holds (their signing passphrase), as a PAdES B-LTA signature.

- `LocalCAAdapter` (default): the tenant's own authority (`authority.py`); the key is stored
  wrapped with the signer's passphrase and opened only for this signature, in this request.
- Certified providers, where keys never leave the provider: `csc.CSCAdapter` (any service
  speaking the Cloud Signature Consortium API) and `bsre.BSrEAdapter` (BSrE of BSSN, hash
  signing), named "csc" and "bsre" in NASKAH_SIGNING_ADAPTER (docs/signing-providers.md).

Every failure is a `SigningError` with a code and a message that says what to do.
"""

from __future__ import annotations

from asn1crypto import keys
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.module_loading import import_string
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .authority import Revocation, certificate_current, signer_key
from .ltv import SignSpec, asn1_cert, sign_pdf


class SigningAdapter:
    """Signs a PDF for a user with their passphrase; returns the signed bytes. Raises
    SigningError."""

    def check(self, user) -> None:
        """Raise SigningError now when this user cannot sign (before anything changes)."""

    def issuer(self, user) -> str:
        """The name of the authority whose certificate will sign for `user` (the PDF's
        footer names it)."""
        raise NotImplementedError

    def sign(self, pdf: bytes, *, user, passphrase: str, spec: SignSpec) -> bytes:
        raise NotImplementedError


class LocalCAAdapter(SigningAdapter):
    def check(self, user) -> None:
        certificate_current(user)

    def issuer(self, user) -> str:
        return certificate_current(user).authority.name

    def sign(self, pdf: bytes, *, user, passphrase: str, spec: SignSpec) -> bytes:
        record = certificate_current(user)
        key = signer_key(record, passphrase)
        signer = signers.SimpleSigner(
            signing_cert=asn1_cert(record.certificate_pem),
            signing_key=_asn1_key(key),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_cert(record.authority.certificate_pem)]
            ),
        )
        # Revocation data about this certificate, answered by the authority itself now.
        revocation = Revocation(record.authority, records=[record])
        return sign_pdf(pdf, signer=signer, tenant=user.tenant, spec=spec, revocation=revocation)


def _asn1_key(key):
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return keys.PrivateKeyInfo.load(der)


ADAPTERS = {
    "local": "correspondence.signing.adapters.LocalCAAdapter",
    "csc": "correspondence.signing.csc.CSCAdapter",
    "bsre": "correspondence.signing.bsre.BSrEAdapter",
}


def adapter() -> SigningAdapter:
    name = settings.NASKAH_SIGNING_ADAPTER
    return import_string(ADAPTERS.get(name, name))()
