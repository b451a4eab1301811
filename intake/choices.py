from django.db import models
from django.utils.translation import gettext_lazy as _


class IntakeSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded scan")
    EMAIL = "email", _("E-mail")


class IntakeState(models.TextChoices):
    PENDING = "pending", _("Waiting for the clerk")
    REGISTERED = "registered", _("Registered")
    DISCARDED = "discarded", _("Discarded")


class OcrState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Reading")
    DONE = "done", _("Read")
    FAILED = "failed", _("Could not be read")
    SKIPPED = "skipped", _("Has its own text")


class MailSecurity(models.TextChoices):
    SSL = "ssl", _("TLS (IMAPS)")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (this machine only)")


class MailState(models.TextChoices):
    REGISTERED = "registered", _("Pending incoming letter")
    DUPLICATE = "duplicate", _("Duplicate")
    QUARANTINED = "quarantined", _("Quarantined")
    REPORT = "report", _("Delivery report (bounce)")
