"""A draft while it is written: a template filled from the form, autosave, its versions."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_fsm import TransitionNotAllowed

from .. import composing, selectors
from .. import permissions as policy
from .. import services as svc
from ..forms import LetterForm


def _version_of(request) -> int:
    """The draft's version the page started from (a POST field); 0 when missing."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


@login_required
@require_GET
def template_fill(request, pk):
    """A template's text with the placeholders the compose form (the query string) knows."""
    template = composing.letter_template_get_for_user(request.user, pk)
    form = LetterForm(request.GET, user=request.user)
    form.is_valid()  # what is valid is known; the rest stays a placeholder
    data = dict(getattr(form, "cleaned_data", {}))
    if "reply_to" not in data and request.GET.get("reply_to"):
        with contextlib.suppress(Http404):  # an unknown or hidden letter is not known here
            data["reply_to"] = selectors.letter_get_for_user(request.user, request.GET["reply_to"])
    body = composing.template_fill(template, composing.template_values(request.user, data))
    return JsonResponse({"body": body, "letter_type": template.letter_type.code})


@login_required
@require_POST
def autosave(request, pk):
    """Save the text being typed (JSON answer): 409 when the draft moved on, 403 when it is no
    longer the user's to edit."""
    letter = selectors.letter_get_for_user(request.user, pk)
    fields = {
        name: request.POST[name]
        for name in svc.AUTOSAVED
        if name in request.POST and (name != "subject" or request.POST[name].strip())
    }
    try:
        letter, saved = svc.letter_autosave(
            letter=letter, by=request.user, expected_version=_version_of(request), **fields
        )
    except svc.StaleEdit:
        letter.refresh_from_db(fields=["version"])
        return JsonResponse({"error": "stale", "version": letter.version}, status=409)
    except (PermissionDenied, TransitionNotAllowed):
        return JsonResponse({"error": "not_editable"}, status=403)
    except ValidationError as exc:
        return JsonResponse({"error": "invalid", "fields": exc.message_dict}, status=400)
    return JsonResponse({"version": letter.version, "saved": saved})


def _drafter_letter(request, pk):
    """A letter the user drafted (its versions are the drafter's), or 404 like a hidden one."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if letter.drafter_id != request.user.pk:
        raise Http404
    return letter


@login_required
@require_GET
def versions(request, pk):
    letter = _drafter_letter(request, pk)
    context = {
        "letter": letter,
        "versions": composing.letter_versions(letter),
        "editable": policy.can_edit_letter(request.user, letter),
    }
    return render(request, "correspondence/versions.html", context)


@login_required
@require_GET
def version(request, pk, number):
    letter = _drafter_letter(request, pk)
    old = composing.letter_version_get(letter, number)
    context = {
        "letter": letter,
        "version": old,
        "diff": composing.version_diff(letter, old),
        "editable": policy.can_edit_letter(request.user, letter) and old.number != letter.version,
    }
    return render(request, "correspondence/version.html", context)


@login_required
@require_POST
def version_restore(request, pk, number):
    letter = _drafter_letter(request, pk)
    old = composing.letter_version_get(letter, number)
    try:
        letter = svc.letter_version_restore(
            letter=letter, by=request.user, number=old.number, expected_version=_version_of(request)
        )
    except svc.StaleEdit:
        messages.error(request, _("Someone saved this draft after you opened it. Reload it."))
        return redirect(reverse("correspondence:versions", args=[letter.pk]))
    except (PermissionDenied, TransitionNotAllowed):
        messages.error(request, _("Only the drafter can edit a draft."))
        return redirect(reverse("correspondence:versions", args=[letter.pk]))
    messages.success(
        request,
        _("Version %(old)s restored as version %(new)s.")
        % {"old": old.number, "new": letter.version},
    )
    return redirect(reverse("correspondence:edit", args=[letter.pk]))
