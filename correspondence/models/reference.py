"""A tenant's reference data for letters: its letter types, address book and disposition
instructions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import (
    LetterScope,
    SignerRule,
)


class LetterType(models.Model):
    """A kind of naskah dinas of one tenant (surat dinas, nota dinas, undangan, ...)."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="letter_types"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=120,
        blank=True,
        help_text=_("Empty: the tenant's pattern."),
    )
    scope = models.CharField(
        _("scope"), max_length=10, choices=LetterScope.choices, default=LetterScope.BOTH
    )
    signer_rule = models.CharField(
        _("who signs"), max_length=12, choices=SignerRule.choices, default=SignerRule.UNIT_HEAD
    )
    signer_position_codes = models.JSONField(
        _("positions that may sign"),
        default=list,
        blank=True,
        help_text=_("Position codes; when set, only these positions may sign."),
    )
    creates_event = models.BooleanField(_("creates a calendar event"), default=False)
    multiple_signers = models.BooleanField(_("several signers in order"), default=False)
    direct_to_signer = models.BooleanField(
        _("may go straight to its signer"),
        default=False,
        help_text=_(
            "A draft of this type may skip review (paraf); its signer is never its drafter."
        ),
    )
    # How the type is laid out and which parts it has: the tenant file's changes to the
    # default layout of its code (correspondence.layouts.layout_of merges them).
    layout = models.JSONField(_("layout"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    # How many numbers each unit that may number this type holds in advance for an outage
    # (correspondence.services.outages); 0: none.
    outage_block = models.PositiveSmallIntegerField(
        _("outage numbers held per unit"), default=0, db_default=0
    )

    class Meta:
        verbose_name = _("letter type")
        verbose_name_plural = _("letter types")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="lettertype_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class AddressBookEntry(models.Model):
    """An addressee off the platform, to whom the clerk dispatches the signed PDF."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="address_book"
    )
    name = models.CharField(_("addressee"), max_length=200)
    organization = models.CharField(_("organisation"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    secure_official = models.BooleanField(
        _("named official on a signed exchange"),
        default=False,
        db_default=False,
        help_text=_(
            "A named official of a partner instance, reached by a signed exchange: may "
            "receive Rahasia and Sangat Rahasia letters, which never go on paper to them."
        ),
    )

    class Meta:
        verbose_name = _("address book entry")
        verbose_name_plural = _("address book")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.organization}" if self.organization else self.name


class DispositionInstruction(models.Model):
    """One of the tenant's standard disposition instructions ("Tindak lanjuti", ...)."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="disposition_instructions"
    )
    code = models.CharField(_("code"), max_length=30)
    text = models.CharField(_("instruction"), max_length=120)
    represents = models.BooleanField(
        _("attend or represent"),
        default=False,
        help_text=_("The assignee attends the invitation's event for the unit."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("disposition instruction")
        verbose_name_plural = _("disposition instructions")
        ordering = ["sort_order", "text"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="instruction_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.text


class LetterTemplate(models.Model):
    """A tenant's ready text for one letter type (the standard opening, body and closing, with
    placeholders such as {penerima} that compose fills in), for the whole tenant or for one
    unit and its sub-units."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="letter_templates"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    letter_type = models.ForeignKey(
        LetterType,
        on_delete=models.CASCADE,
        related_name="templates",
        verbose_name=_("letter type"),
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty: every unit; otherwise this unit and the units under it."),
    )
    opening = models.TextField(_("opening"), blank=True)
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_(
            "Placeholders: {penerima}, {hal}, {acara}, {tanggal}, {waktu}, {tempat}, "
            "{surat_rujukan}, {penandatangan}, {unit}."
        ),
    )
    closing = models.TextField(_("closing"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"], name="lettertemplate_code_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.name
