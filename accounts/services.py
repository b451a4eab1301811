"""Account security use cases: tokens, deactivation, two-step enrolment."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.services import security_event_by, security_event_record

from .models import ApiToken, TokenScope
from .permissions import can_deactivate_user, can_revoke_token


@transaction.atomic
def api_token_create(*, user, name: str, scope: str = TokenScope.READ, expires_at=None) -> str:
    """Issue a token and return its key (shown once; only a hash is kept)."""
    if scope not in TokenScope.values:
        raise ValidationError({"scope": _("Unknown scope.")})
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        tenant_id=user.tenant_id,
        user=user,
        name=name[:100] or "API",
        prefix=key[:8],
        key_hash=ApiToken.hash(key),
        scope=scope,
        expires_at=expires_at,
    )
    security_event_by(
        user,
        "token.created",
        detail={"name": name, "scope": scope},
    )
    return key


def api_token_touch(*, token: ApiToken, now: dt.datetime) -> None:
    """Note that a token was used: at most once a minute, so a busy client does not write a
    row on every request."""
    if not token.last_used_at or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by) -> None:
    """Revoke one of one's own tokens (or, for a tenant admin, any token of the tenant).
    Raises PermissionDenied."""
    if not can_revoke_token(by, token):
        raise PermissionDenied
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    security_event_record(
        kind="token.revoked",
        tenant_id=token.tenant_id,
        user=by,
        detail={"token": token.prefix, "owner": token.user_id},
    )


@transaction.atomic
def user_deactivate(*, user, by) -> int:
    """A tenant admin switches an account off: every session and token of it ends now.
    Returns how many sessions were ended. Raises PermissionDenied."""
    if not can_deactivate_user(by, user):
        raise PermissionDenied
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    security_event_record(
        kind="user.deactivated",
        tenant_id=user.tenant_id,
        user=by,
        target=user,
        detail={"sessions_ended": ended},
    )
    return ended


def totp_device_for_enrolment(user) -> TOTPDevice:
    """The user's unconfirmed authenticator (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, token: str) -> bool:
    """Confirm an authenticator with a first code and verify this session with it."""
    if device.user_id != request.user.pk or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
    otp_login(request, device)
    security_event_by(request.user, "second_factor.enrolled")
    return True


def totp_verify(*, request, token: str) -> bool:
    """Verify this session with a code from the user's confirmed authenticator."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None or not device.verify_token(token):
        security_event_by(request.user, "second_factor.failed")
        return False
    otp_login(request, device)
    return True


def totp_code_valid(user, token: str) -> bool:
    """A code from the user's confirmed authenticator (for API calls that must carry one)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return bool(device and token and device.verify_token(token))


@transaction.atomic
def totp_demo_enrol(*, user, key_hex: str) -> TOTPDevice:
    """Give a demo user a confirmed authenticator with a known key (embedded default only:
    the demo's signers then verify with `manage.py demo_totp <username>`)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="Demo", key=key_hex, confirmed=True)
