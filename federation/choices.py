from django.db import models
from django.utils.translation import gettext_lazy as _


class AddressKind(models.TextChoices):
    UNIT = "unit", _("unit")
    POSITION = "position", _("named official")


class EnvelopeState(models.TextChoices):
    QUEUED = "queued", _("on its way")
    DELIVERED = "delivered", _("delivered")
    REFUSED = "refused", _("refused")


class ReceiptKind(models.TextChoices):
    DELIVERED = "delivered", _("delivered")
    READ = "read", _("read")
    DONE = "done", _("done")


class ReceiptState(models.TextChoices):
    QUEUED = "queued", _("waiting to be sent")
    SENT = "sent", _("sent")
    RECEIVED = "received", _("received")
