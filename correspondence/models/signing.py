"""The built-in signing adapter's certificate authority and signer certificates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningAuthority(models.Model):
    """A tenant's own certificate authority for the built-in signing adapter (embedded
    default and tests); production can sign through a remote service instead."""

    tenant = models.OneToOneField(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="signing_authority"
    )
    name = models.CharField(max_length=200)
    certificate_pem = models.TextField()
    key_pem = models.TextField()  # encrypted with a key derived from SECRET_KEY
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")

    def __str__(self) -> str:
        return self.name


class SignerCertificate(models.Model):
    """A signer's certificate and (encrypted) key issued by the tenant's authority."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    authority = models.ForeignKey(
        SigningAuthority, on_delete=models.CASCADE, related_name="certificates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_certificates"
    )

    class Protection(models.TextChoices):
        SERVER = "server", _("server key (before signing passphrases)")
        PASSPHRASE = "passphrase", _("the signer's passphrase")

    serial = models.CharField(max_length=64, unique=True)
    certificate_pem = models.TextField()
    # Wrapped with the signer's passphrase (never stored); SERVER marks a key made before
    # passphrases existed, which can no longer sign.
    key_pem = models.TextField()
    key_protection = models.CharField(
        max_length=12, choices=Protection.choices, default=Protection.SERVER
    )
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("signer certificate")
        verbose_name_plural = _("signer certificates")
        indexes = [models.Index(fields=["user", "-not_after"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.serial}"


class SigningMandate(models.Model):
    """A mandate to sign on behalf of a post (a.n.): `holder` signs letters of the listed types
    for `grantor`; with `via`, the holder signs u.b., under the mandate `via` holds."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="signing_mandates"
    )
    grantor = models.ForeignKey(
        "organizations.Position", on_delete=models.CASCADE, related_name="+"
    )
    holder = models.ForeignKey("organizations.Position", on_delete=models.CASCADE, related_name="+")
    via = models.ForeignKey(
        "organizations.Position", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    letter_type_codes = models.JSONField(
        default=list, blank=True, help_text=_("Empty: every type the grantor may sign.")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("signing mandate")
        verbose_name_plural = _("signing mandates")
        constraints = [
            models.UniqueConstraint(fields=["grantor", "holder"], name="signing_mandate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.holder} a.n. {self.grantor}"

    def covers(self, type_code: str) -> bool:
        return not self.letter_type_codes or type_code in self.letter_type_codes
