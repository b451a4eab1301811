"""Public answers of a tenant's signing authority about its certificates (anyone checking a
letter with their own tools asks these): the CRL and an OCSP responder (RFC 6960, POST)."""

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ..models import SignerCertificate, SigningAuthority
from ..signing import Revocation
from ..signing.authority import ocsp_serial

OCSP_REQUEST_MAX = 4096  # one certificate's request is ~100 bytes


def _authority(slug: str) -> SigningAuthority:
    authority = SigningAuthority.objects.filter(tenant__slug=slug).first()
    if authority is None:
        raise Http404
    return authority


@require_GET
def crl(request, slug):
    response = HttpResponse(
        Revocation(_authority(slug)).crl_der(), content_type="application/pkix-crl"
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@require_POST
def ocsp(request, slug):
    authority = _authority(slug)
    body = request.body[: OCSP_REQUEST_MAX + 1]
    serial = ocsp_serial(body) if len(body) <= OCSP_REQUEST_MAX else None
    records = SignerCertificate.objects.filter(authority=authority, serial=serial or "")
    answer = Revocation(authority, records=list(records)).ocsp_answer(body)
    return HttpResponse(answer, content_type="application/ocsp-response")
