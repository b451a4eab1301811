"""Long-term signatures (PAdES B-LTA) with pyHanko: every signature carries an RFC 3161
timestamp from the configured timestamp authority (NASKAH_TSA_URL) and the revocation data of
its chain in the document security store, followed by a document timestamp; `archive_renew`
adds a new document timestamp (with the revocation data of the previous one) before the last
one's TSA certificate expires, so a letter verifies at any later date.

Revocation data about the tenant's own certificates is answered in-process by the same code
that serves `/pki/<tenant>/ocsp` and `/crl` (a server asking itself over HTTP would wait on
itself); everything else (the TSA's chain, a certified provider's chain) is fetched over HTTP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.api import Fetchers
from pyhanko_certvalidator.fetchers.common_utils import process_ocsp_response_data
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.fetchers.requests_fetchers.crl_client import RequestsCRLFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers.ocsp_client import RequestsOCSPFetcher

from ..models import SigningAuthority
from .authority import Revocation
from .errors import SERVICE_DOWN, SigningError
from .pdfdates import install as one_now_per_revision

one_now_per_revision()


def run_async(make_coroutine):
    """Run pyHanko's async API to completion from sync code, even where this thread already
    runs an event loop (then on a short-lived thread of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def asn1_cert(pem_text: str) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem_text.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _pem_file_certs(path: str) -> list[asn1_x509.Certificate]:
    data = Path(path).read_bytes()
    if not pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]


def configured_roots() -> list[asn1_x509.Certificate]:
    """The roots every tenant trusts besides its own authority: the timestamp authority's and
    the certified signing providers' (NASKAH_TRUST_ROOTS, PEM or DER files)."""
    roots = []
    for path in settings.NASKAH_TRUST_ROOTS:
        if Path(path).is_file():
            roots.extend(_pem_file_certs(path))
    return roots


def trust_roots(tenant) -> list[asn1_x509.Certificate]:
    """Every root a verifier needs for this tenant's letters."""
    authority = SigningAuthority.objects.filter(tenant=tenant).first()
    own = [asn1_cert(authority.certificate_pem)] if authority is not None else []
    return own + configured_roots()


# --- revocation data: the tenant's own answered in-process, the rest over HTTP ---
def _own_path(url: str, kind: str) -> str | None:
    """The tenant slug when `url` is this platform's CRL or OCSP address for a tenant."""
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "pki" and parts[2] == kind:
        return parts[1]
    return None


class _OwnOCSPFetcher(RequestsOCSPFetcher):
    def __init__(self, revocations: dict[str, Revocation], **kwargs):
        super().__init__(**kwargs)
        self.revocations = revocations

    async def _fetch_single(self, ocsp_url, ocsp_request):
        slug = _own_path(ocsp_url, "ocsp")
        if slug is None or slug not in self.revocations:
            return await super()._fetch_single(ocsp_url, ocsp_request)
        answer = self.revocations[slug].ocsp_answer(ocsp_request.dump())
        return process_ocsp_response_data(answer, ocsp_request=ocsp_request, ocsp_url=ocsp_url)


class _OwnCRLFetcher(RequestsCRLFetcher):
    def __init__(self, revocations: dict[str, Revocation], **kwargs):
        super().__init__(**kwargs)
        self.revocations = revocations

    async def _fetch_single(self, url):
        slug = _own_path(url, "crl")
        if slug is None or slug not in self.revocations:
            return await super()._fetch_single(url)
        revocation = self.revocations[slug]

        async def task():
            return asn1_crl.CertificateList.load(revocation.crl_der())

        return await self._perform_fetch(url, task)


class _Backend(RequestsFetcherBackend):
    def __init__(self, revocations: dict[str, Revocation]):
        super().__init__(per_request_timeout=settings.NASKAH_TSA_TIMEOUT)
        self.revocations = revocations

    def get_fetchers(self) -> Fetchers:
        plain = super().get_fetchers()
        kwargs = {"per_request_timeout": settings.NASKAH_TSA_TIMEOUT}
        return Fetchers(
            ocsp_fetcher=_OwnOCSPFetcher(self.revocations, **kwargs),
            crl_fetcher=_OwnCRLFetcher(self.revocations, **kwargs),
            cert_fetcher=plain.cert_fetcher,
        )


def signing_context(tenant, revocation: Revocation | None = None) -> ValidationContext:
    """The context a signature is made in: the tenant's roots, revocation data required for
    every certificate that names where to get it (and fetched or answered now)."""
    revocations = {tenant.slug: revocation} if revocation is not None else {}
    return ValidationContext(
        trust_roots=trust_roots(tenant),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=_Backend(revocations),
    )


def timestamper() -> timestamps.HTTPTimeStamper:
    url = settings.NASKAH_TSA_URL
    if not url:
        raise SigningError(
            "tsa_unconfigured",
            _(
                "No timestamp authority is configured on this server (NASKAH_TSA_URL), so no "
                "signature can carry a trusted time. Tell the administrator; the letter stays "
                "approved."
            ),
        )
    return timestamps.HTTPTimeStamper(url, timeout=settings.NASKAH_TSA_TIMEOUT)


@dataclass(frozen=True)
class SignSpec:
    """Where and how one signature goes into the PDF: its field, what it says, and whether
    it certifies the document (the first of several signatures, allowing only further
    signatures) or locks it (the last: no change at all afterwards)."""

    field_name: str
    reason: str
    location: str
    certify: bool = False
    lock: bool = False


def pdf_meta(spec: SignSpec, context: ValidationContext) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=spec.field_name,
        reason=spec.reason,
        location=spec.location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=spec.certify,
        docmdp_permissions=(fields.MDPPerm.NO_CHANGES if spec.lock else fields.MDPPerm.FILL_FORMS),
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=context,
    )


def field_spec(spec: SignSpec) -> fields.SigFieldSpec | None:
    """A locking signature's field says "no changes after me" (PDF 2.0 /Lock with /P 1), so a
    later incremental edit fails in any viewer that honours DocMDP."""
    if not spec.lock or spec.certify:
        return None
    return fields.SigFieldSpec(
        sig_field_name=spec.field_name,
        field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
        doc_mdp_update_value=fields.MDPPerm.NO_CHANGES,
    )


def service_down(exc: Exception) -> SigningError:
    return SigningError(
        SERVICE_DOWN,
        _(
            "The timestamp or revocation service did not answer (%(why)s). Try again in a few "
            "minutes; the letter stays waiting for your signature and nothing was signed."
        )
        % {"why": type(exc).__name__},
    )


class PdfaWriter(IncrementalPdfFileWriter):
    """Signs without raising the PDF version past 1.7: pyHanko declares PDF 2.0 for an ECDSA
    signature (the ISO 32002 extension), and the letter is PDF/A-3, which is PDF 1.7. The
    signature itself is the same."""

    def ensure_output_version(self, version):
        super().ensure_output_version(min(version, (1, 7)))


def sign_pdf(
    pdf: bytes, *, signer: signers.Signer, tenant, spec: SignSpec, revocation=None
) -> bytes:
    """Add one PAdES B-LTA signature by `signer` to `pdf` (an incremental revision, then the
    revocation data and a document timestamp). Raises SigningError."""
    context = signing_context(tenant, revocation)
    pdf_signer = signers.PdfSigner(
        pdf_meta(spec, context),
        signer=signer,
        timestamper=timestamper(),
        new_field_spec=field_spec(spec),
    )
    writer = PdfaWriter(io.BytesIO(pdf), strict=False)
    try:
        out = run_async(lambda: pdf_signer.async_sign_pdf(writer))
    except SigningError:
        raise
    except Exception as exc:
        raise explained(exc) from exc
    return out.getvalue()


def explained(exc: Exception) -> SigningError:
    """Our error for a failure inside pyHanko: a revoked certificate (said anywhere in the
    chain of causes), else a service that did not answer."""
    text, cause = "", exc
    while cause is not None:
        text, cause = text + " " + str(cause).lower(), cause.__cause__ or cause.__context__
    if "revoked" in text:
        return SigningError(
            "certificate_revoked",
            _(
                "Your signing certificate has been revoked, so it can no longer sign. Create a "
                "new one on the page Sertifikat tanda tangan; nothing was signed."
            ),
        )
    return service_down(exc)


def archive_renew(pdf: bytes, *, tenant) -> bytes:
    """Add the revocation data of the last timestamp and a new document timestamp (the step
    that keeps a B-LTA letter verifiable past its timestamp authority's certificate)."""
    context = signing_context(tenant)
    stamper = PdfTimeStamper(timestamper())
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    output = io.BytesIO()
    try:
        run_async(
            lambda: stamper.async_update_archival_timestamp_chain(
                reader, context, in_place=False, output=output
            )
        )
    except Exception as exc:
        raise service_down(exc) from exc
    return output.getvalue()


def last_timestamp_expiry(pdf: bytes) -> dt.datetime | None:
    """When the certificate of the PDF's newest document timestamp expires (the letter must be
    timestamped again before then), or None when it has none."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = [s for s in reader.embedded_signatures if s.sig_object.get("/Type") == "/DocTimeStamp"]
    if not stamps:
        return None
    cert = stamps[-1].signer_cert
    return cert["tbs_certificate"]["validity"]["not_after"].native if cert is not None else None
