"""What the HTML pages of correspondence share: paging, the client's address, redirects after
an action, form errors from a service."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from core.actions import post_action

from .. import services as svc

PAGE = 25


def page_of(request, qs, *, count: int | None = None):
    """The page of `qs` the request asks for."""
    paginator = Paginator(qs, PAGE)
    if count is not None:  # already counted together with other figures of the page
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def client_of(request) -> dict:
    """The client's address and agent, for the audit of confidential reads."""
    return {
        "ip": request.META.get("REMOTE_ADDR"),
        "agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def letter_url(letter) -> str:
    """The letter's page."""
    return reverse("correspondence:letter", args=[letter.pk])


def back_of(request, **kwargs) -> str:
    """Where to go after an action: the page it was posted from, if it is ours."""
    back = request.POST.get("back", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False)
    return back if back and safe else reverse("home")


acts = post_action(
    back_of,
    conflicts=(TransitionNotAllowed, ConcurrentTransition, svc.StaleEdit),
    conflict_message=gettext_lazy("That was already done, or the letter has moved on."),
)


def form_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where the form has it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else None
            if name == "recipients":
                target = "to_units"
            for e in errors:
                form.add_error(target, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)
