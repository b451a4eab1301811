"""Mailboxes a unit receives letters in, and what became of each message taken from them."""

from __future__ import annotations

import ipaddress
import os

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import MailSecurity, MailState

# The password is never stored: the mailbox names the environment variable that holds it
# (one prefix for every variable, see STYLE.md).
PASSWORD_ENV = RegexValidator(
    r"^NASKAH_[A-Z0-9_]+$", _("Name an environment variable that starts with NASKAH_.")
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine (the only place plain IMAP may go)."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Mailbox(models.Model):
    """An IMAP mailbox whose messages become pending incoming letters of `unit` (a unit's
    own address, or the tenant's central registry). A message is moved to `processed_folder`
    once its letter is committed, or to `quarantine_folder` with the reason recorded."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose incoming register the letters enter."),
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("connection security"), max_length=8, choices=MailSecurity.choices
    )
    username = models.CharField(_("user name"), max_length=255)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        validators=[PASSWORD_ENV],
        help_text=_("The environment variable of the server that holds the password."),
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_folder = models.CharField(_("processed folder"), max_length=200, default="Naskah")
    quarantine_folder = models.CharField(
        _("quarantine folder"), max_length=200, default="Naskah-Karantina"
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # Held by the poll under way (two at once would fetch the same messages); a poll that
    # died without giving it back loses it when it runs out.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["tenant", "code"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="intake_mailbox_code"),
            models.CheckConstraint(
                condition=models.Q(port__gte=1, port__lte=65535), name="intake_mailbox_port"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"

    def clean(self) -> None:
        if self.security == MailSecurity.NONE and not is_loopback(self.host):
            raise ValidationError(
                {"security": _("Plain IMAP without TLS is allowed only to this machine.")}
            )
        folders = {self.folder, self.processed_folder, self.quarantine_folder}
        if len(folders) < 3:
            raise ValidationError(
                _("The folder, the processed folder and the quarantine folder must differ.")
            )

    def password(self) -> str:
        """The password from the environment; raises ValidationError when it is not set."""
        value = os.environ.get(self.password_env, "")
        if not value:
            raise ValidationError(
                _("The environment variable %(name)s is not set.") % {"name": self.password_env}
            )
        return value


class MailMessage(models.Model):
    """A message taken from a mailbox, once: registered as a pending incoming letter,
    recognised as the duplicate of one already registered for the unit through another
    mailbox, or quarantined with the reason. Its Message-ID (a sha256 of the message when it
    has none) is unique per mailbox, which is what makes a poll safe to repeat."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=255)
    uid = models.PositiveBigIntegerField()
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    state = models.CharField(max_length=12, choices=MailState.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    pending = models.ForeignKey(
        "intake.PendingIncoming",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_messages",
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"], name="intake_mail_message_once"
            )
        ]
        indexes = [models.Index(fields=["message_id"], name="intake_mail_message_id")]

    def __str__(self) -> str:
        return self.subject or self.message_id
