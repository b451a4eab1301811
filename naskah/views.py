from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from core import health
from correspondence.selectors import counters_for
from organizations.selectors import positions_held, user_roles


def healthz(request):
    """The process is up (no dependency is checked)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Database, Redis, storage and a recent worker heartbeat; 503 when any is down."""
    ready, checks = health.readiness()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


@login_required
def home(request):
    context = {"positions": positions_held(request.user), "roles": user_roles(request.user)}
    if request.user.tenant_id:
        context["counters"] = counters_for(request.user)
    return render(request, "home.html", context)
