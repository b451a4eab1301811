from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Read-only figures over correspondence: agenda books, statistics, the leadership view."""

    name = "reports"
    verbose_name = _("Reports")
