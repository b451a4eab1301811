"""Who must use a second factor, and the API's scope rule."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS, BasePermission

from organizations.access import access_remembered
from organizations.choices import RoleKind
from organizations.models import Assignment, UnitRole, User

from .models import TokenScope


class SecondFactorRequired(PermissionDenied):
    """The action needs a session verified with a second factor."""


def needs_second_factor(user) -> bool:
    """Signers (anyone holding a post that may sign) and tenant administrators must verify a
    second factor; everyone else may."""
    if not user.is_authenticated or not user.tenant_id:
        return bool(getattr(user, "is_superuser", False))
    cached = getattr(user, "_needs_second_factor", None)
    if cached is None:  # remembered on the user object, and kept with who handles what
        today = timezone.localdate()

        def compute() -> bool:
            signs = Assignment.objects.current(today).filter(user=user, position__can_sign=True)
            admin = UnitRole.objects.filter(user=user, kind=RoleKind.TENANT_ADMIN)
            return User.objects.filter(pk=user.pk).filter(Exists(signs) | Exists(admin)).exists()

        cached = access_remembered(user, "needs-second-factor", compute, on=today)
        user._needs_second_factor = cached
    return cached


def has_second_factor(user) -> bool:
    """The session was verified with a second factor (django-otp)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def can_sign_with_second_factor(user) -> bool:
    return not needs_second_factor(user) or has_second_factor(user)


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
