"""The tenant's own certificate authority: signer certificates whose keys only the signer's
passphrase opens, revocation with an audit row, and the CRL and OCSP answers the platform
serves for them (`/pki/<tenant>/crl`, `/pki/<tenant>/ocsp`).

The authority's own key is kept wrapped with a key derived from SECRET_KEY: the server must be
able to issue certificates and sign CRLs and OCSP answers without anyone present. A signer's key
is wrapped with the signer's passphrase (PKCS #8, AES-256 with scrypt/PBKDF2 as `cryptography`
chooses), which the server never stores: without it the key cannot sign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SignerCertificate, SigningAuthority
from .errors import WRONG_PASSPHRASE, SigningError

CERT_YEARS = 2
PASSPHRASE_MIN = 8
# How long a CRL or an OCSP answer is fresh: a verifier fetches again after this.
REVOCATION_FRESH = dt.timedelta(days=7)


# --- keys at rest ---
def _server_phrase(label: str) -> bytes:
    return (
        hmac.new(settings.SECRET_KEY.encode(), f"naskah-signing:{label}".encode(), "sha256")
        .hexdigest()
        .encode()
    )


# The passphrase is stretched with scrypt (2^13 × 8: ~35 ms and 8 MiB here) before it wraps the
# key, so a stolen database does not give keys to a quick guess; online guessing meets the
# lockout first.
SCRYPT_LOG_N = 13


def _stretch(passphrase: str, salt: bytes, log_n: int) -> bytes:
    return (
        hashlib.scrypt(passphrase.encode(), salt=salt, n=2**log_n, r=8, p=1, dklen=32, maxmem=2**26)
        .hex()
        .encode()
    )


def _signer_key_dump(key, passphrase: str) -> str:
    salt = secrets.token_bytes(16)
    head = f"scrypt:{SCRYPT_LOG_N}:{salt.hex()}\n"
    return head + _key_dump(key, _stretch(passphrase, salt, SCRYPT_LOG_N))


def _key_dump(key, phrase: bytes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(phrase),
    ).decode()


def authority_key(authority: SigningAuthority):
    try:
        return serialization.load_pem_private_key(
            authority.key_pem.encode(), _server_phrase(f"ca:{authority.tenant_id}")
        )
    except ValueError:
        raise SigningError(
            "key_unreadable",
            _(
                "The signing authority's key cannot be opened on this server (was the secret "
                "key changed?). Tell the administrator."
            ),
        ) from None


def signer_key(record: SignerCertificate, passphrase: str):
    """The signer's private key, opened with their passphrase. Raises SigningError."""
    if record.key_protection != SignerCertificate.Protection.PASSPHRASE:
        raise SigningError(
            "passphrase_not_set",
            _(
                "Your signing key was made before signing passphrases existed. Create a new "
                "one with your own passphrase on the page Sertifikat tanda tangan; the letter "
                "waits for you."
            ),
        )
    if not passphrase:
        raise SigningError(
            WRONG_PASSPHRASE,
            _("Type your signing passphrase; nothing was signed."),
        )
    head, _nl, pem_text = record.key_pem.partition("\n")
    try:
        _kdf, log_n, salt = head.split(":")
        phrase = _stretch(passphrase, bytes.fromhex(salt), int(log_n))
        return serialization.load_pem_private_key(pem_text.encode(), phrase)
    except (ValueError, TypeError):
        raise SigningError(
            WRONG_PASSPHRASE,
            _(
                "The signing passphrase is not right; nothing was signed. Several wrong "
                "attempts lock your account for a while."
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


def pki_url(tenant, name: str) -> str:
    """The public address of the tenant's CRL or OCSP responder (written into certificates)."""
    path = reverse(f"pki-{name}", kwargs={"slug": tenant.slug})
    return f"{tenant.base_url}{path}"


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
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
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return SigningAuthority.objects.create(
        tenant=tenant,
        name=name,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=_key_dump(key, _server_phrase(f"ca:{tenant.pk}")),
    )


def passphrase_check(passphrase: str) -> None:
    if len(passphrase or "") < PASSPHRASE_MIN:
        raise SigningError(
            "passphrase_short",
            _("The signing passphrase needs at least %(n)d characters.") % {"n": PASSPHRASE_MIN},
        )


def _subject(user) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, user.tenant.name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, user.display_name[:64]),
            *([x509.NameAttribute(NameOID.SERIAL_NUMBER, user.nip)] if user.nip else []),
        ]
    )


def _crl_point(tenant) -> x509.CRLDistributionPoints:
    # Only the CRL is named in the certificate: an OCSP answer signed by the authority itself
    # makes the authority a responder that long-term validation (ETSI time-sliding) asks
    # revocation data for; the OCSP endpoint still answers anyone who asks.
    uri = x509.UniformResourceIdentifier(pki_url(tenant, "crl"))
    return x509.CRLDistributionPoints([x509.DistributionPoint([uri], None, None, None)])


def _signer_certificate(user, authority, public_key, *, days: int) -> x509.Certificate:
    ca_cert = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
    now = timezone.now()
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(user))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
            critical=False,
        )
        .add_extension(_crl_point(user.tenant), critical=False)
        .sign(authority_key(authority), hashes.SHA256())
    )


@transaction.atomic
def certificate_issue(user, *, passphrase: str, days: int = 365 * CERT_YEARS) -> SignerCertificate:
    """Issue a signer certificate whose key only `passphrase` opens; the user's earlier
    certificates are revoked as superseded (one usable key per signer)."""
    passphrase_check(passphrase)
    authority = authority_ensure(user.tenant)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _signer_certificate(user, authority, key.public_key(), days=days)
    for old in SignerCertificate.objects.filter(user=user, revoked_at__isnull=True):
        certificate_revoke(old, by=None, reason="superseded")
    return SignerCertificate.objects.create(
        tenant=user.tenant,
        authority=authority,
        user=user,
        serial=format(cert.serial_number, "x"),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=_signer_key_dump(key, passphrase),
        key_protection=SignerCertificate.Protection.PASSPHRASE,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def certificate_current(user) -> SignerCertificate:
    """The user's newest usable certificate. Raises SigningError naming what is missing."""
    cert = (
        SignerCertificate.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("authority")
        .order_by("-not_after")
        .first()
    )
    if cert is None:
        raise SigningError(
            "no_certificate",
            _(
                "You have no electronic signing certificate yet. Create one with your own "
                "signing passphrase on the page Sertifikat tanda tangan; until then the letter "
                "stays approved and can also be signed on paper."
            ),
        )
    if cert.not_after <= timezone.now():
        raise SigningError(
            "certificate_expired",
            _(
                "Your signing certificate expired on %(d)s. Create a new one on the page "
                "Sertifikat tanda tangan; the letter stays approved until you sign."
            )
            % {"d": timezone.localtime(cert.not_after).strftime("%d-%m-%Y")},
        )
    return cert


REVOCATION_REASONS = {
    "key_compromise": x509.ReasonFlags.key_compromise,  # a lost phone, a passphrase told
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,  # left the post
    "superseded": x509.ReasonFlags.superseded,  # a new certificate replaced it
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


@transaction.atomic
def certificate_revoke(record: SignerCertificate, *, by, reason: str) -> SignerCertificate:
    """Revoke a signer certificate from now on, with an audit row. Letters it signed before
    stay valid (their signatures carry a trusted time before the revocation)."""
    from workflows.services import security_event_record

    if reason not in REVOCATION_REASONS:
        raise ValueError(f"unknown revocation reason {reason!r}")
    record = SignerCertificate.objects.select_for_update().get(pk=record.pk)
    if record.revoked_at is not None:
        return record
    record.revoked_at, record.revocation_reason = timezone.now(), reason
    record.save(update_fields=["revoked_at", "revocation_reason"])
    security_event_record(
        kind="signing.certificate_revoked",
        tenant_id=record.tenant_id,
        user=by,
        target=record,
        detail={"serial": record.serial, "holder": record.user_id, "reason": reason},
    )
    return record


# --- what the platform answers about its certificates ---
class Revocation:
    """What the authority says about its certificates, loaded once from the database so that
    the answers can be built inside pyHanko's event loop (where the ORM may not run): the CRL,
    and OCSP answers about the certificates in `records` (for the endpoint: the one asked
    about; for signing: the signer's)."""

    def __init__(self, authority: SigningAuthority, records=()):
        self.authority = authority
        self.ca_cert = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
        self.key = authority_key(authority)
        self.revoked = list(
            SignerCertificate.objects.filter(
                authority=authority, revoked_at__isnull=False
            ).values_list("serial", "revoked_at", "revocation_reason")
        )
        self.records = {r.serial: r for r in records}

    def crl_der(self) -> bytes:
        """The current CRL: every revoked certificate, fresh for a week."""
        now = timezone.now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.ca_cert.subject)
            .last_update(now - dt.timedelta(minutes=1))
            .next_update(now + REVOCATION_FRESH)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_cert.public_key()),
                critical=False,
            )
        )
        for serial, at, reason in self.revoked:
            entry = (
                x509.RevokedCertificateBuilder().serial_number(int(serial, 16)).revocation_date(at)
            )
            if reason in REVOCATION_REASONS:
                entry = entry.add_extension(
                    x509.CRLReason(REVOCATION_REASONS[reason]), critical=False
                )
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ocsp_answer(self, request_der: bytes) -> bytes:
        """The DER OCSP response to a DER OCSP request (RFC 6960), signed by the authority
        itself. A malformed request gets `malformedRequest`; a certificate this authority did
        not issue (or that was not loaded) gets `unauthorized`."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            serial, algorithm = request.serial_number, request.hash_algorithm
            issuer_key_hash = request.issuer_key_hash
        except Exception:  # noqa: BLE001  (any undecodable body is a malformed request)
            return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        record = self.records.get(format(serial, "x"))
        if record is None or issuer_key_hash != _key_hash(self.ca_cert, algorithm):
            return _ocsp_error(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        return self.ocsp_response(record, algorithm=algorithm)

    def ocsp_response(self, record: SignerCertificate, *, algorithm=None) -> bytes:
        """A signed OCSP answer about `record` now: good, or revoked with time and reason."""
        cert = x509.load_pem_x509_certificate(record.certificate_pem.encode())
        now = timezone.now()
        revoked = record.revoked_at is not None and record.revoked_at <= now
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert,
            issuer=self.ca_cert,
            algorithm=algorithm or hashes.SHA256(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(minutes=1),
            next_update=now + REVOCATION_FRESH,
            revocation_time=record.revoked_at if revoked else None,
            revocation_reason=REVOCATION_REASONS.get(record.revocation_reason) if revoked else None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca_cert)
        response = builder.sign(self.key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)


def ocsp_serial(request_der: bytes) -> str | None:
    """The serial an OCSP request asks about (hex), or None for a malformed request."""
    try:
        return format(ocsp.load_der_ocsp_request(request_der).serial_number, "x")
    except Exception:  # noqa: BLE001
        return None


def _ocsp_error(status) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


def _key_hash(ca_cert, algorithm) -> bytes:
    """The issuer key hash an OCSP request names for this authority (RFC 6960: the hash of
    the issuer's subjectPublicKey bits), computed by building such a request."""
    request = ocsp.OCSPRequestBuilder().add_certificate(ca_cert, ca_cert, algorithm).build()
    return request.issuer_key_hash
