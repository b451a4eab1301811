"""Electronic signatures (PAdES, pyHanko) behind an adapter.

- `LocalCAAdapter` (default): each signer has a certificate and key issued by the tenant's own
  authority (`manage.py init_signing_ca`); keys are stored encrypted with a key derived from
  SECRET_KEY. Meant for the embedded default, tests and cities without a national CA contract.
- `RemoteSigningAdapter`: a sketch for a remote signing service such as BSrE's, where keys
  never leave the provider: the PDF's digest is sent with the signer's identity and a one-time
  code, and the returned CMS signature is embedded. Configure with NASKAH_SIGNING_ADAPTER=remote,
  NASKAH_SIGNING_URL, NASKAH_SIGNING_CLIENT_ID, NASKAH_SIGNING_CLIENT_SECRET (see README).

Every failure is a `SigningError` with a code and an Indonesian message that says what is wrong
and what to do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .models import SignerCertificate, SigningAuthority

CERT_YEARS = 2


class SigningError(Exception):
    """Signing failed; `message` tells the signer what is wrong and what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignatureCheck:
    signer: str
    intact: bool  # the signed bytes are unchanged and the signature is mathematically valid
    trusted: bool  # the certificate chains to the tenant's authority
    changes_allowed: bool  # anything after it is only further signatures (pyHanko's DocMDP)
    signed_at: dt.datetime | None

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and self.changes_allowed


@dataclass(frozen=True)
class PdfCheck:
    readable: bool
    signatures: list[SignatureCheck]

    @property
    def valid(self) -> bool:
        return self.readable and bool(self.signatures) and all(s.valid for s in self.signatures)


# --- keys at rest ---
def _key_passphrase(label: str) -> bytes:
    return (
        hmac.new(settings.SECRET_KEY.encode(), f"naskah-signing:{label}".encode(), "sha256")
        .hexdigest()
        .encode()
    )


def _key_dump(key, label: str) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_key_passphrase(label)),
    ).decode()


def _key_load(pem: str, label: str):
    try:
        return serialization.load_pem_private_key(pem.encode(), _key_passphrase(label))
    except ValueError:
        raise SigningError(
            "key_unreadable",
            _(
                "The signing key cannot be opened on this server (was the secret key changed?). "
                "Ask the administrator to issue you a new certificate."
            ),
        ) from None


def _name(common: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
        ]
    )


# --- the tenant's authority and signer certificates ---
@transaction.atomic
def authority_ensure(tenant) -> SigningAuthority:
    """The tenant's signing authority, created on first use (ECDSA P-256, 10 years)."""
    existing = SigningAuthority.objects.filter(tenant=tenant).first()
    if existing:
        return existing
    key = ec.generate_private_key(ec.SECP256R1())
    name = f"Naskah CA {tenant.name}"[:64]
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name, tenant.name))
        .issuer_name(_name(name, tenant.name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return SigningAuthority.objects.create(
        tenant=tenant,
        name=name,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=_key_dump(key, f"ca:{tenant.pk}"),
    )


def certificate_issue(user, *, days: int = 365 * CERT_YEARS) -> SignerCertificate:
    """Issue a signer certificate for a user from their tenant's authority."""
    authority = authority_ensure(user.tenant)
    ca_cert = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
    ca_key = _key_load(authority.key_pem, f"ca:{user.tenant_id}")
    key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    serial = x509.random_serial_number()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, user.tenant.name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, user.display_name[:64]),
            *([x509.NameAttribute(NameOID.SERIAL_NUMBER, user.nip)] if user.nip else []),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return SignerCertificate.objects.create(
        tenant=user.tenant,
        authority=authority,
        user=user,
        serial=format(serial, "x"),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=_key_dump(key, f"signer:{format(serial, 'x')}"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def certificate_current(user) -> SignerCertificate:
    """The user's newest usable certificate. Raises SigningError naming what is missing."""
    certs = SignerCertificate.objects.filter(user=user, revoked_at__isnull=True).order_by(
        "-not_after"
    )
    cert = certs.first()
    if cert is None:
        raise SigningError(
            "no_certificate",
            _(
                "You have no electronic signing certificate yet. Ask your tenant administrator "
                "(Diskominfo) to issue one; until then the letter stays approved and can also be "
                "signed on paper."
            ),
        )
    if cert.not_after <= timezone.now():
        raise SigningError(
            "certificate_expired",
            _(
                "Your signing certificate expired on %(d)s. Ask your tenant administrator to "
                "renew it; the letter stays approved until you sign."
            )
            % {"d": timezone.localtime(cert.not_after).strftime("%d-%m-%Y")},
        )
    return cert


# --- adapters ---
class SigningAdapter:
    """Signs a PDF for a user; returns the signed bytes. Raises SigningError."""

    def check(self, user) -> None:
        """Raise SigningError now when this user cannot sign (before anything is queued)."""

    def sign(self, pdf: bytes, *, user, field_name: str, reason: str, location: str) -> bytes:
        raise NotImplementedError


class LocalCAAdapter(SigningAdapter):
    def check(self, user) -> None:
        certificate_current(user)

    def sign(self, pdf: bytes, *, user, field_name: str, reason: str, location: str) -> bytes:
        record = certificate_current(user)
        label = f"signer:{record.serial}"
        key = _key_load(record.key_pem, label)
        cert = _asn1_cert(record.certificate_pem)
        ca = _asn1_cert(record.authority.certificate_pem)
        signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=_asn1_key(key),
            cert_registry=SimpleCertificateStore.from_certs([ca]),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=reason,
            location=location,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        writer = _PdfaWriter(io.BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(meta, signer=signer)
        out = _run_async(lambda: pdf_signer.async_sign_pdf(writer))
        return out.getvalue()


class _PdfaWriter(IncrementalPdfFileWriter):
    """Signs without raising the PDF version past 1.7: pyHanko declares PDF 2.0 for an ECDSA
    signature (the ISO 32002 extension, which it still registers), and PDF/A-3, which the
    letter is, is PDF 1.7. The signature itself is the same."""

    def ensure_output_version(self, version):
        super().ensure_output_version(min(version, (1, 7)))


class RemoteSigningAdapter(SigningAdapter):
    """Sketch: a remote signing service (as BSrE provides). Not wired to a provider here."""

    def check(self, user) -> None:
        if not user.nip:
            raise SigningError(
                "not_registered",
                _(
                    "Your account has no NIP, so the signing service cannot find your "
                    "certificate. Ask the administrator to fill in your NIP."
                ),
            )

    def sign(self, pdf: bytes, *, user, field_name: str, reason: str, location: str) -> bytes:
        if not getattr(settings, "NASKAH_SIGNING_URL", ""):
            raise SigningError(
                "service_unconfigured",
                _(
                    "The remote signing service is not configured on this server. Tell the "
                    "administrator (NASKAH_SIGNING_URL); the letter stays approved."
                ),
            )
        raise SigningError(
            "service_down",
            _(
                "The signing service did not answer. Try again in a few minutes; the letter "
                "stays approved and nothing was numbered."
            ),
        )


ADAPTERS = {
    "local": "correspondence.signing.LocalCAAdapter",
    "remote": "correspondence.signing.RemoteSigningAdapter",
}


def adapter() -> SigningAdapter:
    name = getattr(settings, "NASKAH_SIGNING_ADAPTER", "local")
    return import_string(ADAPTERS.get(name, name))()


def _asn1_cert(pem: str) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _asn1_key(key):
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return keys.PrivateKeyInfo.load(der)


def _run_async(make_coroutine):
    """Run pyHanko's async API to completion from sync code, even where this thread already
    runs an event loop (then on a short-lived thread of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


# --- validation ---
def pdf_validate(data: bytes, *, tenant) -> PdfCheck:
    """Validate every signature of a PDF against the tenant's authority (never raises on bad
    input: an unreadable file is `readable=False`)."""
    authority = SigningAuthority.objects.filter(tenant=tenant).first()
    roots = [_asn1_cert(authority.certificate_pem)] if authority is not None else []
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001  (a hostile or broken file is just "not valid")
        return PdfCheck(readable=False, signatures=[])
    checks = []
    for sig in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            status = _run_async(
                lambda sig=sig, context=context: async_validate_pdf_signature(sig, context)
            )
        except Exception:  # noqa: BLE001
            checks.append(
                SignatureCheck(
                    "", intact=False, trusted=False, changes_allowed=False, signed_at=None
                )
            )
            continue
        checks.append(
            SignatureCheck(
                signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
                intact=bool(status.intact and status.valid),
                trusted=bool(status.trusted),
                changes_allowed=bool(status.docmdp_ok)
                and status.coverage.name in {"ENTIRE_FILE", "ENTIRE_REVISION"},
                signed_at=status.signer_reported_dt,
            )
        )
    return PdfCheck(readable=True, signatures=checks)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
