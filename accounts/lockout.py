"""A wrong signing passphrase counts toward the same lockout as a wrong login password
(django-axes, per username): guessing a signer's passphrase locks the account as guessing the
password does."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def secret_guard(request, user) -> None:
    """Refuse (PermissionDenied) while the user's account is locked out."""
    if AxesProxyHandler.is_locked(request, {"username": user.get_username()}):
        raise PermissionDenied(
            _("Too many wrong attempts: your account is locked for a while. Try again later.")
        )


def secret_failed(request, user) -> None:
    """Count one wrong secret for the user's account."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


def is_wrong_passphrase(exc) -> bool:
    """Whether a ValidationError from signing is a wrong passphrase."""
    errors = getattr(exc, "error_dict", {}).get("passphrase", [])
    return any(getattr(e, "code", "") == "wrong_passphrase" for e in errors)
