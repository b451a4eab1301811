from django.db import models
from django.utils.translation import gettext_lazy as _


class DueStatus(models.TextChoices):
    NONE = "none", _("No due date")
    OK = "ok", _("On time")
    SOON = "soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    MET = "met", _("Done")


class SecurityLevel(models.TextChoices):
    """Sifat naskah: shared by letters, records and events."""

    BIASA = "biasa", _("Ordinary")
    TERBATAS = "terbatas", _("Limited")
    RAHASIA = "rahasia", _("Confidential")
    SANGAT_RAHASIA = "sangat_rahasia", _("Top secret")

    @classmethod
    def confidential(cls) -> list[str]:
        return [cls.RAHASIA, cls.SANGAT_RAHASIA]


class Urgency(models.TextChoices):
    BIASA = "biasa", _("Ordinary")
    SEGERA = "segera", _("Urgent")
    SANGAT_SEGERA = "sangat_segera", _("Very urgent")
