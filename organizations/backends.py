from django.contrib.auth.backends import ModelBackend

from .permissions import can_login_to_tenant


class TenantModelBackend(ModelBackend):
    """Username and password, accepted only on the user's own tenant host."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or request is None:
            return None
        if not can_login_to_tenant(user, getattr(request, "tenant", None)):
            return None
        return user
