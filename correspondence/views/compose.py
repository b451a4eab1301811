"""Writing a draft: compose and edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import composing, selectors
from .. import permissions as policy
from .. import services as svc
from ..checker import draft_findings
from ..forms import (
    LetterForm,
)
from .common import form_errors, letter_url


@login_required
def compose(request):
    form = LetterForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                letter = svc.letter_create(
                    by=request.user, recipients=form.recipients(), **form.letter_fields()
                )
                if form.cleaned_data["attachment"]:
                    svc.attachment_add(
                        letter=letter, by=request.user, upload=form.cleaned_data["attachment"]
                    )
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do that."))
        else:
            messages.success(request, _("Draft saved."))
            return redirect(letter_url(letter))
    context = {"form": form, "letter_templates": composing.letter_templates_for(request.user)}
    return render(request, "correspondence/compose.html", context)


@login_required
def edit(request, pk):
    letter = selectors.letter_get_for_user(request.user, pk)
    if not policy.can_edit_letter(request.user, letter):
        messages.warning(request, _("Only the drafter can edit a draft."))
        return redirect(letter_url(letter))
    form = LetterForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=LetterForm.initial_for(letter),
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                svc.letter_update(
                    letter=letter,
                    by=request.user,
                    expected_version=form.cleaned_data["version"] or letter.version,
                    recipients=form.recipients(),
                    **form.letter_fields(),
                )
                if form.cleaned_data["attachment"]:
                    svc.attachment_add(
                        letter=letter, by=request.user, upload=form.cleaned_data["attachment"]
                    )
        except svc.StaleEdit:
            form.add_error(None, _("Someone saved this draft after you opened it. Reload it."))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect(letter_url(letter))
    context = {
        "form": form,
        "letter": letter,
        "findings": draft_findings(letter),
        "letter_templates": composing.letter_templates_for(request.user),
        "autosave_url": reverse("correspondence:autosave", args=[letter.pk]),
    }
    return render(request, "correspondence/compose.html", context)
