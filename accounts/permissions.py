"""Who must use a second factor, who may revoke a token or switch an account off, who reads the
security log, and the API's scope rule."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS, BasePermission

from organizations.access import access_remembered
from organizations.choices import RoleKind
from organizations.models import Tenant, UnitRole, User
from organizations.permissions import can_admin_tenant

from .models import ApiToken, TokenScope

# Rules of other apps that make a user's session need a second factor (correspondence: holds a
# post its signing rule accepts). Registered at start-up, so accounts imports none of them.
_strong_auth_rules: list[Callable[[object], bool]] = []


def second_factor_rule_register(rule: Callable[[object], bool]) -> None:
    """Register a rule `(user) -> bool`: true makes the user's session need a second factor."""
    if rule not in _strong_auth_rules:
        _strong_auth_rules.append(rule)


class SecondFactorRequired(PermissionDenied):
    """The action needs a session verified with a second factor."""


def needs_second_factor(user) -> bool:
    """Tenant administrators and whoever a registered rule names (anyone holding a post that
    the signing rule accepts) must verify a second factor; everyone else may."""
    if not user.is_authenticated or not user.tenant_id:
        return bool(getattr(user, "is_superuser", False))
    cached = getattr(user, "_needs_second_factor", None)
    if cached is None:  # remembered on the user object, and kept with who handles what
        today = timezone.localdate()

        def compute() -> bool:
            if UnitRole.objects.filter(user=user, kind=RoleKind.TENANT_ADMIN).exists():
                return True
            return any(rule(user) for rule in _strong_auth_rules)

        cached = access_remembered(user, "needs-second-factor", compute, on=today)
        user._needs_second_factor = cached
    return cached


def has_second_factor(user) -> bool:
    """The session was verified with a second factor (django-otp)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def can_revoke_token(user, token: ApiToken) -> bool:
    """One's own tokens, and for a tenant administrator every token of the tenant."""
    return token.user_id == user.pk or can_admin_tenant(user, token.tenant)


def tokens_revocable_by(user) -> QuerySet[ApiToken]:
    """The API tokens a user may revoke (`can_revoke_token` as SQL): their own, and for a
    tenant administrator every token of their tenant."""
    qs = ApiToken.objects.filter(tenant_id=user.tenant_id)
    if user.tenant is not None and can_admin_tenant(user, user.tenant):
        return qs
    return qs.filter(user_id=user.pk)


def can_deactivate_user(user, account: User) -> bool:
    """A tenant administrator switches off accounts of the tenant, never their own."""
    return user.pk != account.pk and can_admin_tenant(user, account.tenant)


def accounts_deactivatable_by(user, tenant: Tenant | None) -> QuerySet[User]:
    """The accounts a user may find to switch off: for a tenant administrator those of the
    tenant (their own included: the service then refuses it), for anyone else none."""
    if tenant is None or not can_admin_tenant(user, tenant):
        return User.objects.none()
    return User.objects.filter(tenant=tenant)


def can_view_security_events(user, tenant) -> bool:
    """The tenant's administrators read its security log."""
    return (
        user.is_authenticated
        and user.tenant_id == tenant.pk
        and UnitRole.objects.filter(user=user, kind=RoleKind.TENANT_ADMIN).exists()
    )


class TokenScopePermission(BasePermission):
    """A read-scoped token may only read; session users and write tokens may write."""

    message = "This token may only read."

    def has_permission(self, request, view):
        token = request.auth
        if request.method in SAFE_METHODS or token is None or not hasattr(token, "scope"):
            return True
        return token.scope == TokenScope.WRITE
