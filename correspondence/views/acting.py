"""Acting on letters: reply, forward, acknowledge a copy, and the lists' bulk actions (mark
read, close, sign several with one passphrase)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.lockout import secret_failed, secret_guard
from accounts.permissions import has_second_factor

from .. import acting, selectors
from .. import services as svc
from ..choices import SigningMode
from ..forms import UnitChoice
from .common import acts, back_of, form_errors, letter_url


@acts
def letter_reply(request, pk):
    """Balas: start the reply draft and open it for editing."""
    letter = selectors.letter_get_for_user(request.user, pk)
    draft = svc.letter_reply_start(letter=letter, by=request.user)
    messages.success(request, _("Reply started: complete the draft and submit it."))
    return redirect(reverse("correspondence:edit", args=[draft.pk]))


class ForwardForm(forms.Form):
    units = forms.ModelMultipleChoiceField(queryset=None, label=gettext_lazy("Forward to"))
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"] = UnitChoice(
            queryset=selectors.recipient_units(user).filter(tenant_id=user.tenant_id),
            label=gettext_lazy("Forward to"),
        )


@login_required
def letter_forward(request, pk):
    """Teruskan: forward a received letter to other units of the user's government."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if not acting.can_forward_letter(request.user, letter):
        raise Http404  # not theirs to forward: the same answer as a letter they cannot see
    form = ForwardForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            svc.letter_forward(
                letter=letter,
                by=request.user,
                units=list(form.cleaned_data["units"]),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Forwarded."))
            return redirect(letter_url(letter))
    return render(request, "correspondence/forward.html", {"form": form, "letter": letter})


@acts
def delivery_acknowledge(request, pk):
    """Sudah dibaca: a copy's reader closes it."""
    delivery = selectors.delivery_get_for_user(request.user, pk)
    svc.delivery_acknowledge(delivery=delivery, by=request.user)
    messages.success(request, _("Marked as read."))
    return redirect(letter_url(delivery.letter))


BULK = {
    "read": (svc.deliveries_mark_read, gettext_lazy("Marked as read: %(done)d.")),
    "close": (svc.deliveries_close, gettext_lazy("Closed: %(done)d.")),
}


def _tell(request, outcomes, done_text) -> None:
    done = sum(1 for o in outcomes if o.result == "done")
    messages.success(request, str(done_text) % {"done": done})
    skipped = sum(1 for o in outcomes if o.result != "done")
    if skipped:
        messages.info(request, _("Left as they were: %(n)d.") % {"n": skipped})


@acts
def inbox_bulk(request, action):
    """The inbox's bulk actions on the ticked deliveries."""
    if action not in BULK:
        raise Http404
    service, done_text = BULK[action]
    ids = svc.ids_parse(request.POST.getlist("ids"))
    _tell(request, service(by=request.user, ids=ids), done_text)
    return redirect(back_of(request) if request.POST.get("back") else "correspondence:inbox")


@acts
def sign_many(request):
    """Sign the ticked letters of the awaiting list with one passphrase entry; the page lists
    what happened to each."""
    secret_guard(request, request.user)
    outcomes = svc.letters_sign_many(
        by=request.user,
        ids=svc.ids_parse(request.POST.getlist("ids")),
        passphrase=request.POST.get("password", ""),
        second_factor=has_second_factor(request.user),
        mode=SigningMode.ELECTRONIC,  # on paper, each letter needs its own scan
    )
    if any(o.wrong_secret for o in outcomes):
        secret_failed(request, request.user)
    return render(request, "correspondence/sign_many.html", {"outcomes": outcomes})
