from django.db import models
from django.utils.translation import gettext_lazy as _


class DueStatus(models.TextChoices):
    NONE = "none", _("No due date")
    OK = "ok", _("On time")
    SOON = "soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    MET = "met", _("Done")
