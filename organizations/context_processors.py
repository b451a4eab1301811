from .permissions import can_admin_tenant


def tenant(request):
    current = getattr(request, "tenant", None)

    def is_tenant_admin() -> bool:  # evaluated only by templates that ask
        return current is not None and can_admin_tenant(request.user, current)

    return {"tenant": current, "is_tenant_admin": is_tenant_admin}
