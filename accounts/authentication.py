from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organizations.permissions import can_login_to_tenant

from .models import ApiToken
from .services import api_token_touch


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`: a personal token, valid only on its owner's tenant host,
    until it expires or is revoked (deactivating the user ends it too)."""

    keyword = "Token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(key), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if token is None or (token.expires_at and token.expires_at <= now):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The account is deactivated.")
        if not can_login_to_tenant(token.user, getattr(request._request, "tenant", None)):
            raise exceptions.AuthenticationFailed("This token is not valid on this host.")
        api_token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
