"""The shape every POST-only page action shares: a refused, invalid or repeated action becomes
a message on the page it came from, never a second change or an error page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def post_action(
    back: Callable[..., str],
    *,
    conflicts: tuple[type[Exception], ...] = (),
    conflict_message: str = "",
):
    """Decorate a POST-only view. `back(request, **kwargs)` says where to return after a
    refusal; `conflicts` are the exceptions that mean "already done or moved on"."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            try:
                return view(request, *args, **kwargs)
            except conflicts:
                messages.warning(request, str(conflict_message))
            except PermissionDenied:
                messages.error(request, _("You may not do that."))
            except ValidationError as exc:
                say_refusal(request, exc)
            return redirect(back(request, **kwargs))

        return login_required(wrapper)

    return decorate


def say_refusal(request, exc: ValidationError) -> None:
    """Show each message of a service's ValidationError on the next page."""
    for m in exc.messages:
        messages.error(request, m)


def form_refusal(form, exc: ValidationError) -> None:
    """Show each message of a service's ValidationError above the form."""
    for m in exc.messages:
        form.add_error(None, m)
