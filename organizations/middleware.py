from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils import timezone

from .permissions import can_login_to_tenant
from .selectors import tenant_by_slug, tenant_for_host, tenant_list_public

# Paths that work without a tenant (platform landing, health checks, static files).
TENANTLESS_PREFIXES = ("/static/", "/healthz", "/readyz", "/i18n/", "/federation/")
PROBES = {"/healthz", "/readyz"}


class TenantMiddleware:
    """Resolve the tenant from the host, keep users on their own tenant, use its time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in PROBES:  # liveness must not depend on the database
            request.tenant = None
            return self.get_response(request)
        tenant = tenant_for_host(request.get_host()) or tenant_by_slug(
            settings.NASKAH_DEFAULT_TENANT
        )
        request.tenant = tenant
        if tenant is None:
            if request.path.startswith(TENANTLESS_PREFIXES):
                return self.get_response(request)
            status = 200 if request.path == "/" else 404
            return render(
                request, "platform_landing.html", {"tenants": tenant_list_public()}, status=status
            )
        user = request.user
        if user.is_authenticated and not can_login_to_tenant(user, tenant):
            # A session from another tenant's host (or a deactivated account) is ended here.
            logout(request)
            return redirect(settings.LOGIN_URL)
        timezone.activate(tenant.time_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
