from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render

from correspondence.selectors import counters_for
from organizations.selectors import positions_held, user_roles


def healthz(request):
    """The process is up (no dependency is checked)."""
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    context = {"positions": positions_held(request.user), "roles": user_roles(request.user)}
    if request.user.tenant_id:
        context["counters"] = counters_for(request.user)
    return render(request, "home.html", context)
