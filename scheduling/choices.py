from django.db import models
from django.utils.translation import gettext_lazy as _


class EventState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class AttendeeRole(models.TextChoices):
    INVITED = "invited", _("Invited")
    REPRESENTATIVE = "representative", _("Represents the unit")
    DELEGATE = "delegate", _("Attends on behalf")


class Rsvp(models.TextChoices):
    PENDING = "pending", _("No answer yet")
    ATTENDING = "attending", _("Attends")
    DECLINED = "declined", _("Declined")
    DELEGATED = "delegated", _("Sends someone")

    @classmethod
    def going(cls) -> list[str]:
        """Answers that keep the event in the person's day (reminders, clashes)."""
        return [cls.PENDING, cls.ATTENDING]


class BookingState(models.TextChoices):
    ACTIVE = "active", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class CalendarView(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    AGENDA = "agenda", _("Agenda")
