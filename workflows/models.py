"""The transition log shared by every document: one row per state change, hash-chained."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import SecurityLevel


class TransitionLog(models.Model):
    """One transition of one document.

    `hash` covers this row's fields and the previous row's hash for the same document, so
    editing or deleting any row breaks the chain (checked by `manage.py verify_audit`).
    """

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.PROTECT, related_name="transition_logs"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=60)
    # Wide enough for a state or a moved record's old source ("correspondence.delivery:<id>").
    source = models.CharField(_("from"), max_length=80, blank=True)
    target = models.CharField(_("to"), max_length=80, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    acting_position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting position"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"))
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id", "id"])]
        constraints = [
            # One successor per row: two writers racing on the same document cannot both
            # append after the same predecessor.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "prev_hash"], name="transition_log_chain"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.source}→{self.target}"


class SecurityEvent(models.Model):
    """An audited security-relevant event of a tenant (login, export, confidential open, ...).

    Chained per tenant like the transition log, so a tenant admin's audit view is tamper-evident.
    """

    tenant = models.ForeignKey(
        "organizations.Tenant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "kind", "-created_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "prev_hash"], name="security_event_chain")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class SecurityReach(models.Model):
    """Who, besides the addressed post's holder and named disposition assignees, reads a
    document of one security level in the unit it reaches (SKKAAD, tenant data). A level a
    tenant does not set follows `workflows.reach.DEFAULT_REACH`."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("security level"), max_length=16, choices=SecurityLevel.choices)
    unit_head = models.BooleanField(
        _("the unit's head"),
        default=True,
        help_text=_("The head of the receiving unit reads it, whichever post in it is named."),
    )
    delegates = models.BooleanField(
        _("inbox delegates"),
        default=True,
        help_text=_("Whoever a head's or addressee's inbox is delegated to reads it."),
    )
    roles = models.JSONField(
        _("unit roles"),
        default=list,
        blank=True,
        help_text=_("Roles in the receiving unit that read it (registry_clerk, secretary)."),
    )
    position_codes = models.JSONField(
        _("posts"),
        default=list,
        blank=True,
        help_text=_("Codes of posts that read it in their unit and the units above."),
    )
    echelons = models.JSONField(
        _("echelons"),
        default=list,
        blank=True,
        help_text=_("Echelons (II, III.a, ...) whose posts read it in their unit and above."),
    )

    class Meta:
        verbose_name = _("security level reach")
        verbose_name_plural = _("security level reach")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "level"], name="securityreach_one_per_level")
        ]

    def __str__(self) -> str:
        return self.get_level_display()
