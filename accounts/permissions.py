"""Who must use a second factor, and the API's scope rule."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS, BasePermission

from organizations.access import access_remembered
from organizations.choices import RoleKind
from organizations.models import UnitRole

from .models import TokenScope

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


def can_view_security_events(user, tenant) -> bool:
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
