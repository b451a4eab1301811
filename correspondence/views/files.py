"""Files: attachments, the signed PDF, the disposition sheet, and the public verification page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.files import download_response, generated_pdf_response

from .. import permissions as policy
from .. import selectors, signing
from .. import services as svc
from ..choices import AttachmentKind
from ..forms import (
    AttachmentForm,
    VerifyUploadForm,
)
from ..pdf.build import letter_preview_pdf, preview_filename
from ..pdf.sheet import disposition_sheet_pdf
from .common import acts, client_of, letter_url


@acts
def attachment_upload(request, pk):
    letter = selectors.letter_get_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(letter_url(letter))
    kind = AttachmentKind.SCAN if form.cleaned_data["scan"] else AttachmentKind.ATTACHMENT
    svc.attachment_add(letter=letter, by=request.user, upload=form.cleaned_data["file"], kind=kind)
    messages.success(request, _("File attached."))
    return redirect(letter_url(letter))


@acts
def attachment_delete(request, pk):
    att = selectors.attachment_get_for_user(request.user, pk)
    svc.attachment_remove(attachment=att, by=request.user)
    return redirect(letter_url(att.letter))


@login_required
def attachment_download(request, pk):
    """Serve a file only after the access check; never cached when confidential."""
    att = selectors.attachment_get_for_user(request.user, pk)
    svc.attachment_downloaded(attachment=att, by=request.user, **client_of(request))
    return download_response(
        request,
        att.file,
        filename=att.original_name,
        content_type=att.content_type,
        confidential=att.letter.is_confidential,
    )


@login_required
def letter_pdf_download(request, pk):
    """The signed PDF, in one click, after the same access check as the letter page."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if not letter.pdf:
        raise Http404
    svc.letter_pdf_downloaded(letter=letter, by=request.user, **client_of(request))
    name = f"{(letter.number or str(letter.pk)).replace('/', '-')}.pdf"
    return download_response(
        request,
        letter.pdf,
        filename=name,
        content_type="application/pdf",
        confidential=letter.is_confidential,
    )


@login_required
def letter_preview(request, pk):
    """The draft as it will print (KONSEP), for whoever may view the letter until it is
    signed; a signed letter's link leads to its signed PDF (or to its page if it has none)."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if not policy.can_preview_letter(request.user, letter):
        if letter.pdf:
            return redirect(reverse("correspondence:letter-pdf", args=[letter.pk]) + "?inline=1")
        messages.info(request, _("This letter is no longer a draft: there is no preview."))
        return redirect(letter_url(letter))
    svc.letter_preview_opened(letter=letter, by=request.user, **client_of(request))
    return generated_pdf_response(letter_preview_pdf(letter), filename=preview_filename(letter))


@login_required
def disposition_sheet(request, pk):
    """The lembar disposisi of a delivery as PDF."""
    delivery = selectors.delivery_get_for_user(request.user, pk)
    data = disposition_sheet_pdf(
        delivery, tree=selectors.disposition_tree(request.user, delivery.letter)
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = (delivery.agenda_number or str(delivery.pk)).replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="disposisi-{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def verify(request, token):
    """Public: what a QR code on a signed letter opens (on the tenant's own host)."""
    letter = selectors.letter_by_token(request.tenant, token)
    if letter is None:
        raise Http404
    check = None
    uploaded = None
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        uploaded = {
            "identical": signing.sha256(data) == letter.pdf_sha256,
            "check": signing.pdf_validate(data, tenant=letter.tenant),
        }
    elif letter.pdf:
        with letter.pdf.open("rb") as fh:
            check = signing.pdf_validate(fh.read(), tenant=letter.tenant)
    return render(
        request,
        "correspondence/verify.html",
        {
            "letter": letter,
            "check": check,
            "uploaded": uploaded,
            "form": form,
            "show_subject": not letter.is_confidential,
        },
    )
