"""The exchange's HTTP face, for other instances (no session, no CSRF: every message is
signed by the sending instance and checked before anything is kept). Answers are JSON:
`{"receipt": ...}` when taken (201, or 409 for an envelope already taken, with its first
receipt), `{"code": ..., "reason": ...}` when refused."""

from __future__ import annotations

import json
import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from organizations.selectors import tenant_by_slug

from .protocol import DIRECTORY, Refusal, sign
from .services import directory_build, envelope_accept, instance_card, receipt_accept

log = logging.getLogger(__name__)


def _tenant(slug: str):
    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise Refusal("unknown_tenant", "No such tenant on this instance.", 404)
    return tenant


def _refused(exc: Refusal, slug: str, what: str) -> JsonResponse:
    log.warning("federation %s for %s refused: %s", what, slug, exc)
    return JsonResponse(exc.as_dict(), status=exc.status)


@require_GET
def instance(request):
    """This instance's address and public key (to be compared out of band, then pinned)."""
    return JsonResponse(instance_card())


@require_GET
def directory(request, slug: str):
    """The tenant's signed directory: units, named officials, signing roots."""
    try:
        tenant = _tenant(slug)
    except Refusal as exc:
        return _refused(exc, slug, "directory")
    return JsonResponse({"directory": sign(DIRECTORY, directory_build(tenant))})


@csrf_exempt
@require_POST
def envelopes(request, slug: str):
    """Take a signed envelope (form field `envelope`) and its files."""
    token = request.POST.get("envelope", "")
    try:
        receipt, created = envelope_accept(tenant=_tenant(slug), token=token, files=request.FILES)
    except Refusal as exc:
        return _refused(exc, slug, "envelope")
    if not created:
        return JsonResponse({"code": "duplicate", "receipt": receipt}, status=409)
    return JsonResponse({"receipt": receipt}, status=201)


@csrf_exempt
@require_POST
def receipts(request, slug: str):
    """Take a signed read or done receipt about one of the tenant's envelopes."""
    try:
        token = str(json.loads(request.body or b"{}").get("receipt", ""))
    except (ValueError, AttributeError):
        return _refused(Refusal("malformed", "The body is not a JSON receipt."), slug, "receipt")
    try:
        created = receipt_accept(tenant=_tenant(slug), token=token)
    except Refusal as exc:
        return _refused(exc, slug, "receipt")
    return JsonResponse({"ok": True, "known": not created}, status=200 if created else 409)
