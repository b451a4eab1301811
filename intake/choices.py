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
