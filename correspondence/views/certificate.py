"""The signer's own signing key: what certificate they hold, and a new key with a passphrase
only they know (the old one is revoked as superseded)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import has_second_factor

from ..forms import SigningKeyForm
from ..models import SignerCertificate
from ..signing import certificate_issue


@login_required
def signing_certificate(request):
    if request.method == "POST" and not has_second_factor(request.user):
        raise PermissionDenied(_("Turn on two-step verification first."))
    form = SigningKeyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        certificate_issue(request.user, passphrase=form.cleaned_data["passphrase"])
        messages.success(request, _("Your new signing key is ready; the old one is revoked."))
        return redirect("correspondence:signing-certificate")
    certificates = SignerCertificate.objects.filter(user=request.user).select_related("authority")
    return render(
        request,
        "correspondence/signing_certificate.html",
        {
            "form": form,
            "certificates": certificates.order_by("-not_after")[:10],
            "two_step": has_second_factor(request.user),
        },
    )
