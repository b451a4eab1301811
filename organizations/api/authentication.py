from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from organizations.permissions import can_login_to_tenant


class TenantTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, valid only on the token owner's tenant host."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if not can_login_to_tenant(user, getattr(request._request, "tenant", None)):
            raise exceptions.AuthenticationFailed("This token is not valid on this host.")
        return user, token
