"""BSrE (Balai Sertifikasi Elektronik, BSSN), hash signing: the PDF never leaves the server.
pyHanko prepares the signature placeholder and digests the document (interrupted signing);
the digest goes to BSrE with the signer's NIK and passphrase; BSrE answers a CMS SignedData
(detached, PAdES signed attributes) made with the signer's key, which stays with BSrE. Naskah
then adds the signature timestamp (NASKAH_TSA_URL) to that CMS, embeds it, and makes the
signature long-term (revocation data in the DSS and a document timestamp), like every other
signature (`ltv`).

The client follows BSrE's Esign Client Service API v2 conventions as published for
integrators: HTTP Basic auth with the client account (NASKAH_BSRE_USER/PASSWORD), the signer's
status at `POST /api/v2/user/check/status {"nik"}` (ISSUE, NOT_REGISTERED, EXPIRED, REVOKE…)
and errors as `{"error", "status_code"}` (2011 user not registered, 2031 wrong passphrase).
The hash-signing call, `POST /api/v2/sign/hash {"nik", "passphrase", "hashAlgorithm",
"hash": [base64]} -> {"cms": [base64]}`, is not in the public v2.2.1 document (which signs whole
PDFs at /api/v2/sign/pdf): confirm its path and fields with BSrE when connecting
(docs/signing-providers.md).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io

import requests
from asn1crypto import cms
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PdfTimeStamper
from pyhanko_certvalidator import CertificateValidator

from .adapters import SigningAdapter
from .csc import not_registered, provider_down, wrong_passphrase
from .errors import WRONG_PASSPHRASE, SigningError
from .ltv import (
    SignSpec,
    explained,
    field_spec,
    pdf_meta,
    run_async,
    signing_context,
    timestamper,
)

STATUS_PATH = "/api/v2/user/check/status"
SIGN_PATH = "/api/v2/sign/hash"
# Room for BSrE's CMS (certificate chain included) and our signature timestamp, as hex.
RESERVED = 32 * 1024
NOT_REGISTERED, EXPIRED, REVOKED, PASSPHRASE = 2011, 2021, 2022, 2031


def _expired() -> SigningError:
    return SigningError(
        "certificate_expired",
        _(
            "Your BSrE certificate has expired. Renew it with BSrE (through your agency's "
            "registration officer); the letter stays approved until you sign."
        ),
    )


def _revoked() -> SigningError:
    return SigningError(
        "certificate_revoked",
        _(
            "Your BSrE certificate has been revoked or suspended, so it cannot sign. Contact "
            "your agency's registration officer; nothing was signed."
        ),
    )


def _refusal(data: dict) -> SigningError:
    code = data.get("status_code")
    text = str(data.get("error") or data.get("message") or "")
    lowered = text.lower()
    if code == PASSPHRASE or "passphrase" in lowered:
        return wrong_passphrase()
    if code == NOT_REGISTERED or "tidak terdaftar" in lowered:
        return not_registered("BSrE")
    if code == EXPIRED or "kedaluwarsa" in lowered or "expired" in lowered:
        return _expired()
    if code == REVOKED or "dicabut" in lowered or "revoke" in lowered:
        return _revoked()
    return SigningError(
        "provider_refused",
        _("BSrE refused to sign: %(why)s. Nothing was signed; tell the administrator.")
        % {"why": text[:200] or code},
    )


def _call(path: str, body: dict) -> dict:
    """POST to BSrE; the JSON answer, or SigningError for every refusal and failure."""
    try:
        response = requests.post(
            settings.NASKAH_BSRE_URL.rstrip("/") + path,
            json=body,
            auth=(settings.NASKAH_BSRE_USER, settings.NASKAH_BSRE_PASSWORD),
            timeout=settings.NASKAH_PROVIDER_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise provider_down("BSrE", type(exc).__name__) from exc
    if response.status_code in (401, 403):
        raise SigningError(
            "provider_auth",
            _(
                "BSrE refused this server's client account (NASKAH_BSRE_USER/PASSWORD). Tell "
                "the administrator; nothing was signed."
            ),
        )
    if response.status_code >= 500:
        raise provider_down("BSrE", f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise provider_down("BSrE", "not JSON") from None
    if not isinstance(data, dict):
        raise provider_down("BSrE", "not a JSON object")
    if response.status_code != 200 or data.get("error"):
        raise _refusal(data)
    return data


def signer_status(nik: str) -> None:
    """Raise SigningError unless BSrE says this NIK holds a usable certificate (ISSUE)."""
    status = str(_call(STATUS_PATH, {"nik": nik}).get("status", "")).upper()
    if status == "ISSUE":
        return
    if status in {"NOT_REGISTERED", "NOT_FOUND", ""}:
        raise not_registered("BSrE")
    if status == "EXPIRED":
        raise _expired()
    if status in {"REVOKE", "REVOKED", "SUSPEND", "SUSPENDED"}:
        raise _revoked()
    raise SigningError(
        "certificate_unusable",
        _(
            "BSrE says your certificate is not ready to sign (status %(status)s). Finish the "
            "registration with your agency's registration officer; the letter stays approved."
        )
        % {"status": status},
    )


def _nik(user) -> str:
    if not settings.NASKAH_BSRE_URL:
        raise SigningError(
            "provider_unconfigured",
            _(
                "The BSrE signing service is not configured (NASKAH_BSRE_URL). Tell the administrator."
            ),
        )
    if not user.nik:
        raise SigningError(
            "no_signer_id",
            _(
                "Your NIK is not recorded in Naskah, so BSrE cannot find your certificate. Ask "
                "the administrator to fill it in."
            ),
        )
    return user.nik


def _cms_checked(b64: str, digest: bytes) -> cms.ContentInfo:
    """BSrE's answer as a CMS over exactly our document digest, or SigningError."""
    try:
        content = cms.ContentInfo.load(base64.b64decode(b64, validate=True))
        info = content["content"]["signer_infos"][0]
        signed = {a["type"].native: a["values"][0].native for a in info["signed_attrs"]}
    except (ValueError, TypeError, KeyError, IndexError):
        raise provider_down("BSrE", "unreadable CMS") from None
    if signed.get("message_digest") != digest:
        raise provider_down("BSrE", "CMS over another digest")
    return content


async def _with_timestamp(content: cms.ContentInfo, stamper) -> cms.ContentInfo:
    """The CMS with a signature timestamp (RFC 3161 over its signature value, PAdES B-T)."""
    info = content["content"]["signer_infos"][0]
    digest = hashlib.sha256(info["signature"].native).digest()
    token = await stamper.async_timestamp(digest, "sha256")
    info["unsigned_attrs"] = cms.CMSAttributes(
        [cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})]
    )
    return cms.ContentInfo.load(content.dump(force=True))


async def _long_term(output: io.BytesIO, context, stamper) -> None:
    """Revocation data of the new signature's chain into the DSS, then a document timestamp."""
    signature = PdfFileReader(output, strict=False).embedded_signatures[-1]
    path = await CertificateValidator(
        signature.signer_cert,
        intermediate_certs=list(signature.other_embedded_certs),
        validation_context=context,
    ).async_validate_usage({"non_repudiation"})
    writer = IncrementalPdfFileWriter(output, strict=False)
    await PdfTimeStamper(stamper).async_timestamp_pdf(
        writer, "sha256", context, validation_paths=[path], in_place=True
    )


class BSrEAdapter(SigningAdapter):
    def check(self, user) -> None:
        _nik(user)

    def issuer(self, user) -> str:
        return settings.NASKAH_BSRE_ISSUER

    def sign(self, pdf: bytes, *, user, passphrase: str, spec: SignSpec) -> bytes:
        nik = _nik(user)
        if not passphrase:
            raise SigningError(
                WRONG_PASSPHRASE, _("Type your BSrE passphrase; nothing was signed.")
            )
        signer_status(nik)
        stamper = timestamper()
        meta = dataclasses.replace(
            pdf_meta(spec, None), embed_validation_info=False, use_pades_lta=False
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signers.ExternalSigner(signing_cert=None, cert_registry=None),
            new_field_spec=field_spec(spec),
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        prepared, _tbs, output = run_async(
            lambda: pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=RESERVED)
        )
        digest = prepared.document_digest
        answer = _call(
            SIGN_PATH,
            {
                "nik": nik,
                "passphrase": passphrase,
                "hashAlgorithm": "SHA256",
                "hash": [base64.b64encode(digest).decode()],
            },
        )
        try:
            content = _cms_checked((answer.get("cms") or [""])[0], digest)
        except (TypeError, IndexError):
            raise provider_down("BSrE", "no CMS") from None
        context = signing_context(user.tenant)

        async def finish():
            signed = await _with_timestamp(content, stamper)
            await PdfTBSDocument.async_finish_signing(output, prepared, signed)
            await _long_term(output, context, stamper)

        try:
            run_async(finish)
        except SigningError:
            raise
        except Exception as exc:
            raise explained(exc) from exc
        return output.getvalue()
