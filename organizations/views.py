"""Organisation pages: the directory a civil servant uses to find units and people."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import appicons
from .models import Position, Unit, User
from .permissions import can_view_organization
from .selectors import (
    get_for_tenant_or_404,
    position_holders,
    positions_held,
    unit_tree,
    user_roles,
)


def _require_member(request) -> None:
    if not can_view_organization(request.user, request.tenant):
        raise Http404


@login_required
def directory(request):
    _require_member(request)
    return render(request, "organizations/directory.html", {"units": unit_tree(request.tenant)})


@login_required
def unit_detail(request, pk: int):
    _require_member(request)
    unit = get_for_tenant_or_404(Unit.objects.all(), request.tenant, pk=pk)
    positions = [
        (p, position_holders(p))
        for p in unit.positions.filter(is_active=True).order_by("sort_order")
    ]
    context = {
        "unit": unit,
        "ancestors": Unit.objects.get_ancestors(unit),
        "children": Unit.objects.get_children(unit),
        "positions": positions,
    }
    return render(request, "organizations/unit_detail.html", context)


@login_required
def position_detail(request, pk: int):
    _require_member(request)
    position = get_for_tenant_or_404(Position.objects.select_related("unit"), request.tenant, pk=pk)
    context = {"position": position, "holders": position_holders(position)}
    return render(request, "organizations/position_detail.html", context)


@login_required
def person_detail(request, pk: int):
    _require_member(request)
    person = get_for_tenant_or_404(User.objects.all(), request.tenant, pk=pk)
    context = {"person": person, "positions": positions_held(person), "roles": user_roles(person)}
    return render(request, "organizations/person_detail.html", context)


@require_GET
@cache_control(max_age=300, public=True)
def branding_css(request):
    """The tenant's colours as CSS variables (a file, so the CSP needs no inline styles)."""
    css = render_to_string("organizations/branding.css", {"tenant": request.tenant})
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_GET
@cache_control(max_age=3600, public=True)
def branding_logo(request):
    tenant = request.tenant
    if not tenant.logo:
        raise Http404
    try:
        fh = tenant.logo.open("rb")
    except OSError:
        raise Http404 from None
    content_type = mimetypes.guess_type(tenant.logo.name)[0] or "application/octet-stream"
    return FileResponse(fh, content_type=content_type)


@require_GET
@cache_control(max_age=3600, public=True)
def web_manifest(request):
    """The tenant's installable app: its name, colours, icons and start page (no login: the
    browser fetches it without cookies)."""
    data = appicons.manifest(request.tenant, icon_url=lambda size: reverse(f"branding-icon-{size}"))
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
@cache_control(max_age=86400, public=True)
def app_icon(request, size: int):
    """The tenant's app icon as a PNG of 192 or 512 pixels."""
    return HttpResponse(appicons.icon_png(request.tenant, size), content_type="image/png")
