"""What the tests of the archive's signed reports share: pyHanko's own long-term validation
of a signed PDF, beside the project's validator."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from correspondence import signing


def pyhanko_passes(data: bytes, tenant) -> str:
    """pyHanko's own AdES long-term validation (not the project's wrapper) of the one
    signature; returns its signer's name."""
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=signing.trust_roots(tenant)),
        revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    [sig] = [s for s in reader.embedded_signatures if s.sig_object.get("/Type") != "/DocTimeStamp"]
    assert sig.sig_object["/Reference"][0]["/TransformMethod"] == "/DocMDP"  # certified
    result = signing.ltv.run_async(lambda: ades_lta_validation(sig, spec))
    assert result.ades_subindic.status == AdESStatus.PASSED, result.ades_subindic
    return sig.signer_cert.subject.native["common_name"]
