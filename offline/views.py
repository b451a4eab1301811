"""The queued-actions endpoint (POST, JSON) and the page of their outcomes (GET)."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import selectors, services
from .choices import ActionStatus
from .permissions import can_queue_actions

SESSION_FLAG = "offline_conflicts"  # base.html's banner: no query on every page
MAX_BODY = 2 * 1024 * 1024


def actions(request):
    if request.method == "POST":
        return _receive(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_queue_actions(request.user, getattr(request, "tenant", None)):
        raise Http404
    rows = list(selectors.actions_for_user(request.user))
    services.actions_seen(user=request.user)
    request.session.pop(SESSION_FLAG, None)
    return render(request, "offline/actions.html", {"actions": rows})


def _receive(request):
    """One action or a batch (a list, or `{"actions": [...]}`), each answered
    `{id, status, message, url}` under `results`."""
    if not can_queue_actions(request.user, getattr(request, "tenant", None)):
        return JsonResponse({"error": "login", "message": _("Sign in again.")}, status=403)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": "too_large", "message": _("Too large.")}, status=400)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "bad_json", "message": _("Not JSON.")}, status=400)
    if isinstance(data, dict) and isinstance(data.get("actions"), list):
        items = data["actions"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    results = services.actions_apply(user=request.user, items=items)
    if any(r["status"] == ActionStatus.CONFLICT for r in results):
        request.session[SESSION_FLAG] = True
    return JsonResponse({"results": results})
