"""Validation of a signed PDF as an auditor would do it, years later: PAdES long-term
validation (ETSI EN 319 102-1 § 5.6.3, pyHanko's AdES engine) against the tenant's trust
roots, using only what the file carries (its timestamps and revocation data), never the
network. A letter signed before long-term signatures existed falls back to the basic check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from ..models import SignerCertificate
from .ltv import run_async, trust_roots


@dataclass(frozen=True)
class SignatureCheck:
    signer: str
    intact: bool  # the signed bytes are unchanged and the signature is mathematically valid
    trusted: bool  # the certificate chains to a trusted root and was not revoked when it signed
    changes_allowed: bool  # anything after it is only further signatures and timestamps
    signed_at: dt.datetime | None  # the trusted time (its timestamp), else what it claims
    issuer: str = ""  # the authority whose certificate signed
    long_term: bool = False  # verifiable after its certificate expires (PAdES B-LTA)
    revoked_at: dt.datetime | None = None  # the certificate's revocation, if any (after signing)
    detail: str = ""  # the validator's finding when not valid

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


def _spec(roots) -> PdfSignatureValidationSpec:
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )


def _name(cert, part: str) -> str:
    if cert is None:
        return ""
    name = cert.subject if part == "subject" else cert.issuer
    return name.native.get("common_name", "") or name.human_friendly


def _revoked_at(cert) -> dt.datetime | None:
    if cert is None:
        return None
    serial = format(cert.serial_number, "x")
    return (
        SignerCertificate.objects.filter(serial=serial).values_list("revoked_at", flat=True).first()
    )


def _long_term(sig, spec, moment) -> SignatureCheck:
    timing = ValidationTimingInfo(
        validation_time=moment, best_signature_time=moment, point_in_time_validation=False
    )
    result = run_async(lambda: ades_lta_validation(sig, spec, timing_info=timing))
    status = result.api_status
    cert = sig.signer_cert
    ts = result.signature_timestamp_status
    signed_at = ts.api_status.timestamp if ts is not None and ts.api_status else None
    passed = result.ades_subindic.status == AdESStatus.PASSED
    return SignatureCheck(
        signer=_name(cert, "subject"),
        intact=bool(status and status.intact and status.valid),
        trusted=passed,
        changes_allowed=bool(status and status.docmdp_ok)
        and status.coverage.name in {"ENTIRE_FILE", "ENTIRE_REVISION"},
        signed_at=signed_at or (status.signer_reported_dt if status else None),
        issuer=_name(cert, "issuer"),
        long_term=True,
        revoked_at=_revoked_at(cert),
        detail="" if passed else str(result.ades_subindic),
    )


def _basic(sig, roots) -> SignatureCheck:
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = run_async(lambda: async_validate_pdf_signature(sig, context))
    return SignatureCheck(
        signer=_name(status.signing_cert, "subject"),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        changes_allowed=bool(status.docmdp_ok)
        and status.coverage.name in {"ENTIRE_FILE", "ENTIRE_REVISION"},
        signed_at=status.signer_reported_dt,
        issuer=_name(status.signing_cert, "issuer"),
        revoked_at=_revoked_at(status.signing_cert),
    )


def _broken() -> SignatureCheck:
    return SignatureCheck("", intact=False, trusted=False, changes_allowed=False, signed_at=None)


def pdf_validate(
    data: bytes, *, tenant=None, roots=None, moment: dt.datetime | None = None
) -> PdfCheck:
    """Validate every signature of a PDF (document timestamps are part of each signature's
    evidence, not signatures of their own) as of `moment` (now by default), against the
    tenant's trust roots or the `roots` given (a partner instance's). Never raises on bad
    input: an unreadable file is `readable=False`."""
    roots = trust_roots(tenant) if roots is None else roots
    moment = moment or timezone.now()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = [
            s for s in reader.embedded_signatures if s.sig_object.get("/Type") != "/DocTimeStamp"
        ]
    except Exception:  # noqa: BLE001  (a hostile or broken file is just "not valid")
        return PdfCheck(readable=False, signatures=[])
    spec = _spec(roots)
    checks = []
    for sig in embedded:
        try:
            # A letter signed before long-term signatures (no security store, no signature
            # timestamp) gets the basic check.
            lta = bool(reader.root.get("/DSS")) and any(
                extract_tst_data_iter(sig.signer_info, signed=False)
            )
            checks.append(_long_term(sig, spec, moment) if lta else _basic(sig, roots))
        except Exception:  # noqa: BLE001
            checks.append(_broken())
    return PdfCheck(readable=True, signatures=checks)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
