"""Branded error pages: 400, 403 (and a failed CSRF check), 404 and 500.

Each is the base layout under the tenant's name and logo when the tenant is known (the tenant
middleware put it on the request), plain Naskah otherwise, in the request's language. The
500 page is drawn without the context processors and without the user: it must not query a
database that may be the very thing that failed.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

TEMPLATE = "errors/error.html"


def _page(request, status: int, title: str, message: str) -> HttpResponse:
    # The menu without its figures: a mistyped or foreign address costs no COUNTs.
    context = {"status": status, "title": title, "message": message, "menu_figures": False}
    return HttpResponse(loader.render_to_string(TEMPLATE, context, request), status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(
        request,
        400,
        _("The request could not be understood"),
        _("Check the address and try again."),
    )


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(
        request, 403, _("You may not open this page"), _("Your role does not give access to it.")
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(
        request,
        404,
        _("Page not found"),
        _("The page does not exist, or it is not open to you."),
    )


def csrf_failure(request, reason=""):
    return _page(
        request,
        403,
        _("The form has expired"),
        _("Go back, reload the page and send the form again."),
    )


def server_error(request):
    context = {
        "status": 500,
        "title": _("Something went wrong"),
        "message": _("The error has been recorded. Try again in a moment."),
        "tenant": getattr(request, "tenant", None),
        "request": request,
    }
    return HttpResponse(loader.render_to_string(TEMPLATE, context), status=500)
