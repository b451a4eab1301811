"""Account pages: two-step verification, my logins and tokens, the tenant's security log."""

from __future__ import annotations

import base64
import io

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import CodeForm, TokenForm
from .models import ApiToken
from .permissions import accounts_deactivatable_by, can_view_security_events, tokens_revocable_by


def _next(request) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def two_step_enrol(request):
    if selectors.second_factor_enrolled(request.user):
        return redirect("accounts:two-step-verify")
    device = services.totp_device_for_enrolment(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_confirm(request=request, device=device, token=form.cleaned_data["code"]):
            messages.success(request, _("Two-step verification is on."))
            return redirect(_next(request))
        form.add_error("code", _("That code is not right. Check the time on your phone."))
    return render(
        request,
        "accounts/two_step_enrol.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": _next(request),
        },
    )


@login_required
def two_step_verify(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("That code is not right. Check the time on your phone."))
    return render(request, "accounts/two_step_verify.html", {"form": form, "next": _next(request)})


@login_required
def account(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        new_key = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        form = TokenForm()
    history = Paginator(selectors.login_history_for(request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "new_key": new_key,
            "history": history,
            "tokens": ApiToken.objects.filter(user=request.user).order_by("-id"),
            "two_step": selectors.second_factor_enrolled(request.user),
        },
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    # Only a token the user may revoke is found: another person's token answers as an
    # unknown one does, whether it is of this tenant or another.
    token = tokens_revocable_by(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:account")


@login_required
@require_POST
def user_deactivate(request, pk: int):
    # Only a tenant administrator finds the account (of their own tenant); anyone else gets
    # the same 404 for every id.
    user = accounts_deactivatable_by(request.user, request.tenant).filter(pk=pk).first()
    if user is None:
        raise Http404
    services.user_deactivate(user=user, by=request.user)
    messages.success(request, _("%(name)s can no longer log in.") % {"name": user.display_name})
    return redirect("org-person", pk=user.pk)


@login_required
def security_events(request):
    if request.tenant is None or not can_view_security_events(request.user, request.tenant):
        raise PermissionDenied
    qs = selectors.security_event_list(request.tenant, kind=request.GET.get("kind", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/security_events.html", {"page": page})
