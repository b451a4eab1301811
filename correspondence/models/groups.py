"""Saved recipient groups ("Seluruh Camat", "Seluruh OPD"): picking one in the compose
form's recipient picker adds all its members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RecipientGroup(models.Model):
    """A named set of recipients of one tenant: tenant-wide (no owner; the tenant file or a
    tenant administrator keeps it) or one user's own. Its members are the listed units and
    posts plus, by rule, every active unit of the listed kinds (so a new kecamatan joins
    "Seluruh Camat" without anyone editing the group)."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="recipient_groups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recipient_groups",
        help_text=_("Empty: a group of the whole tenant."),
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=120)
    unit_kinds = models.JSONField(
        _("every unit of these kinds"), default=list, blank=True, db_default=[]
    )
    units = models.ManyToManyField("organizations.Unit", blank=True, related_name="+")
    positions = models.ManyToManyField("organizations.Position", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recipient group")
        verbose_name_plural = _("recipient groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                condition=Q(owner__isnull=True),
                name="recipientgroup_name_per_tenant",
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(owner__isnull=False),
                name="recipientgroup_name_per_owner",
            ),
            models.UniqueConstraint(
                fields=["tenant", "code"],
                condition=~Q(code=""),
                name="recipientgroup_code_per_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_tenant_wide(self) -> bool:
        return self.owner_id is None
