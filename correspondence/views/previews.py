"""The inline preview on the letter page: the signed PDF, the draft and the attachments as
page images, each behind the same access check (and the same audit of confidential reads)
as the download of the file it shows. A foreign, hidden or unknown id is a 404 alike."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.files import protected_file_response
from core.offline import confidential_response

from .. import permissions as policy
from .. import previews, selectors
from .. import services as svc
from ..pdf.build import letter_preview_pdf
from .common import client_of

PDF = "application/pdf"
# Raster images only: an SVG shown inline on our origin could carry script.
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _reader(fieldfile):
    def read() -> bytes:
        with fieldfile.open("rb") as fh:
            return fh.read()

    return read


def _image_response(path, *, confidential: bool):
    response = FileResponse(path.open("rb"), content_type="image/png")
    # A page image never changes under its URL (the URL carries the file's hash).
    response["Cache-Control"] = "private, max-age=86400"
    if confidential:
        confidential_response(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pages(request, *, key: str, read, url_of, title: str):
    try:
        count = previews.page_count(key, read)
    except previews.PreviewUnavailable:
        count = 0
    return render(
        request,
        "correspondence/_preview_pages.html",
        {"urls": [url_of(n) for n in range(1, count + 1)], "title": title},
    )


def _signed_key(letter) -> str:
    if not letter.pdf or not letter.pdf_sha256:
        raise Http404
    return f"signed-{letter.pdf_sha256}"


def _draft_key(letter, digest: str) -> str:
    # The letter's id is part of the key: a hash alone must not reach another letter's draft.
    return f"draft-{letter.pk}-{digest}"


@require_GET
@login_required
def letter_pages(request, pk, source):
    """The page images of the letter's signed PDF or of its draft (as it will print)."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if source == "signed":
        key = _signed_key(letter)
        svc.letter_pdf_downloaded(letter=letter, by=request.user, **client_of(request))
        read = _reader(letter.pdf)
        digest = letter.pdf_sha256
    elif source == "draft" and policy.can_preview_letter(request.user, letter):
        data = letter_preview_pdf(letter)
        digest = hashlib.sha256(data).hexdigest()
        key = _draft_key(letter, digest)
        svc.letter_preview_opened(letter=letter, by=request.user, **client_of(request))

        def read() -> bytes:
            return data

    else:
        raise Http404

    def url_of(n: int) -> str:
        return reverse("correspondence:letter-page", args=[letter.pk, source, digest, n])

    return _pages(request, key=key, read=read, url_of=url_of, title=letter.subject)


@require_GET
@login_required
def letter_page_image(request, pk, source, digest, page):
    """One page of the signed PDF or of a draft listed by `letter_pages`."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if source == "signed" and digest == letter.pdf_sha256:
        key, read = _signed_key(letter), _reader(letter.pdf)
    elif source == "draft" and policy.can_preview_letter(request.user, letter):
        key, read = _draft_key(letter, digest), None
    else:
        raise Http404
    try:
        path = previews.page_image(key, page, read)
    except previews.PreviewUnavailable:
        raise Http404 from None
    return _image_response(path, confidential=letter.is_confidential)


@require_GET
@login_required
def attachment_pages(request, pk):
    """The page images of a PDF attachment, or the image an image attachment is."""
    att = selectors.attachment_get_for_user(request.user, pk)
    svc.attachment_downloaded(attachment=att, by=request.user, **client_of(request))
    if att.content_type in IMAGES:
        urls = [reverse("correspondence:attachment-page", args=[att.pk, 1])]
        return render(
            request,
            "correspondence/_preview_pages.html",
            {"urls": urls, "title": att.original_name},
        )
    if att.content_type != PDF:
        raise Http404

    def url_of(n: int) -> str:
        return reverse("correspondence:attachment-page", args=[att.pk, n])

    return _pages(
        request,
        key=f"file-{att.sha256}",
        read=_reader(att.file),
        url_of=url_of,
        title=att.original_name,
    )


@require_GET
@login_required
def attachment_page_image(request, pk, page):
    """One page of a PDF attachment; an image attachment is shown as it is (page 1)."""
    att = selectors.attachment_get_for_user(request.user, pk)
    confidential = att.letter.is_confidential
    if att.content_type in IMAGES and page == 1:
        return protected_file_response(
            att.file,
            filename=att.original_name,
            content_type=att.content_type,
            as_attachment=False,
            confidential=confidential,
        )
    if att.content_type != PDF:
        raise Http404
    try:
        path = previews.page_image(f"file-{att.sha256}", page, _reader(att.file))
    except previews.PreviewUnavailable:
        raise Http404 from None
    return _image_response(path, confidential=confidential)
