"""An action made on a device while it was offline, as the server received and settled it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ActionKind, ActionStatus


class QueuedAction(models.Model):
    """One queued action: who sent it, which device id it carries (`client_id`, once per
    user), what it was made against (`base_version`) and its outcome, kept so that a retry of
    the same id gets the same answer and never applies twice."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.UUIDField()
    kind = models.CharField(_("action"), max_length=40)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    base_version = models.CharField(max_length=120, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # The device's clock: shown, never trusted for ordering or rules.
    made_at = models.DateTimeField(_("made on the device"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(_("outcome"), max_length=12, choices=ActionStatus.choices)
    message = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("queued action")
        verbose_name_plural = _("queued actions")
        ordering = ["-received_at", "-id"]
        constraints = [
            # A retried action (same device id) is stored once: the second insert waits for
            # the first transaction and then fails, so it can never be applied twice.
            models.UniqueConstraint(fields=["user", "client_id"], name="queued_action_once")
        ]
        indexes = [
            models.Index(fields=["user", "-received_at"], name="queued_action_user_time"),
            models.Index(
                fields=["user"],
                condition=Q(status=ActionStatus.CONFLICT, seen_at__isnull=True),
                name="queued_action_unseen_conflict",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id} {self.status}"

    @property
    def is_conflict(self) -> bool:
        return self.status == ActionStatus.CONFLICT

    @property
    def written(self) -> list[tuple[str, str]]:
        """The text the user wrote in the action (note, report, draft), kept to be copied
        when it could not be applied."""
        return [
            (name, value)
            for name in ("subject", "summary", "body", "note", "text")
            if isinstance(value := self.payload.get(name), str) and value.strip()
        ]

    def get_kind_label(self) -> str:
        """The action's name for people (an unknown kind as sent)."""
        return str(dict(ActionKind.choices).get(self.kind, self.kind))
