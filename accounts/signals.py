"""Audit rows for logins and for changes of who holds which post or role.

Signals (not services) on purpose here: a role can also change through the Django admin or a
tenant-file load, and every path must leave its row in the tamper-evident security log.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from organizations.models import Assignment, UnitRole
from workflows.services import security_event_by, security_event_record


def _client(request) -> dict:
    if request is None:
        return {}
    return {
        "ip_address": request.META.get("REMOTE_ADDR"),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    security_event_by(user, "login", **_client(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_by(user, "logout", **_client(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    tenant = getattr(request, "tenant", None)
    security_event_record(
        kind="login.failed",
        tenant_id=tenant.pk if tenant else None,
        detail={"username": str(credentials.get("username", ""))[:150]},
        **_client(request),
    )


@receiver(post_save, sender=UnitRole)
def _role_saved(sender, instance, created, **kwargs):
    security_event_record(
        kind="role.granted" if created else "role.changed",
        tenant_id=instance.tenant_id,
        target=instance.user,
        detail={"role": instance.kind, "unit": instance.unit_id},
    )


@receiver(post_delete, sender=UnitRole)
def _role_deleted(sender, instance, **kwargs):
    security_event_record(
        kind="role.revoked",
        tenant_id=instance.tenant_id,
        detail={"user": instance.user_id, "role": instance.kind, "unit": instance.unit_id},
    )


@receiver(post_save, sender=Assignment)
def _assignment_saved(sender, instance, created, **kwargs):
    security_event_record(
        kind="assignment.created" if created else "assignment.changed",
        tenant_id=instance.tenant_id,
        target=instance.user,
        detail={
            "position": instance.position_id,
            "kind": instance.kind,
            "start": str(instance.start_date),
            "end": str(instance.end_date or ""),
        },
    )
