"""Send a stored file to a user who has passed the view's access check."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from .offline import confidential_response

ACCEL_PREFIX = "/protected/"  # an `internal` location in docker/nginx/naskah.conf


def download_response(request, fieldfile, **kwargs) -> HttpResponse:
    """`protected_file_response` for a download link: a download, or shown in the browser when
    the link asks `?inline=1` (the PDF viewer's links do)."""
    return protected_file_response(
        fieldfile, as_attachment=request.GET.get("inline") != "1", **kwargs
    )


def protected_file_response(
    fieldfile,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool = True,
    confidential: bool = False,
) -> HttpResponse:
    """Behind nginx (NASKAH_ACCEL_REDIRECT=true and files on local disk) nginx sends the bytes
    from its internal location; otherwise the app streams them. Either way the response is
    private, never cached when confidential, and named with the given filename."""
    if settings.NASKAH_ACCEL_REDIRECT and not settings.NASKAH_S3_BUCKET:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = ACCEL_PREFIX + quote(fieldfile.name)
        disposition = "attachment" if as_attachment else "inline"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    else:
        response = FileResponse(
            fieldfile.open("rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    response["Cache-Control"] = "private"
    if confidential:
        confidential_response(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def generated_pdf_response(data: bytes, *, filename: str) -> HttpResponse:
    """A PDF made for this request (a preview, a sheet): shown in the browser under the given
    filename, private and never stored by any cache (it changes with every edit)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
