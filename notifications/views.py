"""The notification centre: my notifications, mark read, preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .registry import watch_stamp

PAGE = 25


@login_required
def centre(request):
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notification_list(request.user, unread_only=unread_only)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    template = "notifications/_rows.html" if request.htmx else "notifications/centre.html"
    return render(
        request,
        template,
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.notification_unread_count(request.user),
        },
    )


@login_required
@require_POST
def mark_all_read(request):
    n = services.notification_mark_read(user=request.user)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": n})
    return redirect("notifications:centre")


@login_required
@require_POST
def open_notification(request, pk: int):
    """Mark one read and go where it points (only ever a path on this site)."""
    row = selectors.notification_get_for_user(request.user, pk)
    if row is None:
        raise Http404
    services.notification_mark_read(user=request.user, ids=[row.pk])
    target = row.url if row.url.startswith("/") else ""
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "notifications:centre"
    return redirect(target)


@login_required
def preferences(request):
    rows = selectors.preferences_for(request.user)
    if request.method == "POST":
        choices = {
            r["kind"]: (
                request.POST.get(f"in_app-{r['kind']}") == "on",
                request.POST.get(f"email-{r['kind']}") == "on",
            )
            for r in rows
        }
        services.preferences_set(user=request.user, choices=choices)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "email_enabled": settings.NASKAH_EMAIL_ENABLED},
    )


MAX_POLLED = 20  # as many objects as a socket may watch


@login_required
@require_GET
def live(request):
    """What a page polls when pushes cannot reach it: the unread count and, for each watched
    object it names (`?w=letter:42`), a stamp that changes when the object does. An object
    the user may not see is left out, as an unknown one is."""
    stamps = {}
    for item in request.GET.getlist("w")[:MAX_POLLED]:
        name, _sep, raw = item.partition(":")
        stamp = watch_stamp(name)
        if stamp is None or not raw.isdigit() or len(raw) > 18:
            continue
        value = stamp(request.user, int(raw))
        if value is not None:
            stamps[item] = value
    response = JsonResponse(
        {"unread": selectors.notification_unread_count(request.user), "stamps": stamps}
    )
    response["Cache-Control"] = "private, no-store"
    return response
