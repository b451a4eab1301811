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
    serial = models.CharField(max_length=64, unique=True)
    certificate_pem = models.TextField()
    key_pem = models.TextField()
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signer certificate")
        verbose_name_plural = _("signer certificates")
        indexes = [models.Index(fields=["user", "-not_after"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.serial}"
