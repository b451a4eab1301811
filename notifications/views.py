"""The notification centre: my notifications, mark read, preferences."""

from __future__ import annotations

import json

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
from .chat import chat_enabled
from .registry import watch_stamp
from .webpush import push_enabled, vapid_keys

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
            r["kind"]: tuple(
                request.POST.get(f"{channel}-{r['kind']}") == "on"
                for channel in ("in_app", "email", "push", "chat")
            )
            for r in rows
        }
        services.preferences_set(user=request.user, choices=choices)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "email_enabled": settings.NASKAH_EMAIL_ENABLED,
            "push_enabled": push_enabled(),
            "chat_enabled": chat_enabled(),
            "chat_address": selectors.chat_address_for(request.user),
            "devices": selectors.push_subscription_count(request.user),
        },
    )


@login_required
@require_POST
def chat_address(request):
    """Set (or clear) where the chat gateway reaches the user; back to where the form was."""
    try:
        services.chat_address_set(user=request.user, address=request.POST.get("address", ""))
    except ValueError:
        messages.error(
            request,
            _(
                "Write a WhatsApp number like +6281234567890 or 081234567890, or a Telegram chat id."
            ),
        )
    else:
        messages.success(request, _("Your chat address is saved."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notifications:preferences"
    return redirect(target)


@login_required
@require_GET
def push_key(request):
    """The server's VAPID public key, the browser's applicationServerKey."""
    keys = vapid_keys() if push_enabled() else None
    if keys is None:
        return JsonResponse(
            {"error": _("Push notifications are not set up on this server.")}, status=404
        )
    return JsonResponse({"publicKey": keys.public})


def _json_body(request) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


@login_required
@require_POST
def push_subscribe(request):
    """Keep this browser's subscription (the JSON of PushSubscription.toJSON()) for the user."""
    body = _json_body(request)
    keys = body.get("keys") if body else None
    if not isinstance(keys, dict):
        return JsonResponse({"error": _("Send the subscription as JSON.")}, status=400)
    try:
        sub = services.push_subscribe(
            user=request.user,
            endpoint=body.get("endpoint"),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            label=request.headers.get("User-Agent", "")[:120],
        )
    except services.SubscriptionInvalid as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"ok": True, "id": sub.pk}, status=201)


@login_required
@require_POST
def push_unsubscribe(request):
    """Forget one of the user's own subscriptions (another's answers as a missing one)."""
    body = _json_body(request)
    endpoint = body.get("endpoint") if body else None
    if not isinstance(endpoint, str) or not endpoint:
        return JsonResponse({"error": _("Send the subscription's endpoint as JSON.")}, status=400)
    if not services.push_unsubscribe(user=request.user, endpoint=endpoint):
        return JsonResponse({"error": _("No such subscription.")}, status=404)
    return JsonResponse({"ok": True})


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
