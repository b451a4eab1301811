"""The file plan: a tenant's archive settings, its classifications (klasifikasi arsip) with
their retention rule (JRA), and case files (berkas)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.choices import SecurityLevel

from ..choices import Fate
from ..querysets import CaseFileQuerySet


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved `years` on; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ArchiveSettings(models.Model):
    """A tenant's archive rules (the tenant file's `archive` section)."""

    tenant = models.OneToOneField(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="archive_settings"
    )
    records_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("records unit"),
        help_text=_("The unit that receives inactive records (unit kearsipan)."),
    )
    static_archive = models.CharField(
        _("static archive"),
        max_length=200,
        blank=True,
        help_text=_("Who receives permanent records (lembaga kearsipan daerah)."),
    )
    # Position ids, in the order they approve a disposal (e.g. head of the archive unit, then
    # the regional secretary).
    disposal_approvers = models.JSONField(_("disposal approvers"), default=list, blank=True)
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=14)

    class Meta:
        verbose_name = _("archive settings")
        verbose_name_plural = _("archive settings")

    def __str__(self) -> str:
        return str(self.tenant)


class Classification(models.Model):
    """A code of the file plan (klasifikasi arsip) with its retention rule (JRA)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    active_years = models.PositiveSmallIntegerField(_("years active"), default=2)
    inactive_years = models.PositiveSmallIntegerField(_("years inactive"), default=3)
    fate = models.CharField(
        _("final fate"), max_length=12, choices=Fate.choices, default=Fate.DESTROY
    )
    default_security = models.CharField(
        _("default security"),
        max_length=16,
        choices=SecurityLevel.choices,
        default=SecurityLevel.BIASA,
    )
    units = models.ManyToManyField(
        "organizations.Unit", blank=True, related_name="+", verbose_name=_("responsible units")
    )
    archivists = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("archivists")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="classification_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CaseFile(models.Model):
    """A berkas: the records of one activity or matter under one classification."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="case_files"
    )
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    # The key of the letter thread it was opened for ("letter:<root id>"), so later letters of
    # the same thread are proposed into it.
    thread_key = models.CharField(max_length=60, blank=True, db_index=True)
    is_closed = models.BooleanField(_("closed"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="casefile_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"
