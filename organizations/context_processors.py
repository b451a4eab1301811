from naskah.memo import request_memo

from .permissions import can_admin_tenant


def tenant(request):
    current = getattr(request, "tenant", None)

    def is_tenant_admin() -> bool:  # evaluated only by templates that ask (once a request)
        return current is not None and request_memo(
            ("is_tenant_admin", request.user.pk), lambda: can_admin_tenant(request.user, current)
        )

    return {"tenant": current, "is_tenant_admin": is_tenant_admin}
