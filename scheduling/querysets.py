"""Who sees which event, as SQL (every list and every detail page use these)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from organizations.models import Assignment
from workflows.choices import SecurityLevel

from .choices import EventState, Rsvp


def unit_ids_of(user) -> list[int]:
    """Units of the posts a user holds today, definitive or acting."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Assignment.objects.current(timezone.localdate())
        .filter(user_id=user.pk)
        .values_list("position__unit_id", flat=True)
        .distinct()
    )


class EventQuerySet(models.QuerySet):
    def visible_to(self, user) -> EventQuerySet:
        """Events of the user's tenant they attend or organised, and the open (Biasa,
        Terbatas) events of their units (invited or organising); a confidential event only to
        the people on it."""
        if not getattr(user, "is_authenticated", False) or not user.tenant_id:
            return self.none()
        from .models import Attendee, EventUnit  # cycle: models imports this module's querysets

        units = unit_ids_of(user)
        mine = Attendee.objects.filter(user_id=user.pk).values("event_id")
        open_ = ~Q(security__in=SecurityLevel.confidential())
        invited = EventUnit.objects.filter(unit_id__in=units).values("event_id")
        return self.filter(tenant_id=user.tenant_id).filter(
            Q(pk__in=mine)
            | Q(created_by_id=user.pk)
            | (open_ & (Q(pk__in=invited) | Q(organiser_unit_id__in=units)))
        )

    def personal(self, user) -> EventQuerySet:
        """The user's own day: events they attend (or were invited to) and organised."""
        from .models import Attendee  # cycle: models imports this module's querysets

        mine = Attendee.objects.filter(user_id=user.pk).values("event_id")
        return self.filter(tenant_id=user.tenant_id).filter(
            Q(pk__in=mine) | Q(created_by_id=user.pk)
        )

    def for_unit(self, unit) -> EventQuerySet:
        from .models import EventUnit  # cycle: models imports this module's querysets

        invited = EventUnit.objects.filter(unit_id=unit.pk).values("event_id")
        return self.filter(Q(pk__in=invited) | Q(organiser_unit_id=unit.pk))

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> EventQuerySet:
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class AttendeeQuerySet(models.QuerySet):
    def going(self) -> AttendeeQuerySet:
        """Attendees still expected: not declined, not replaced, on an event not cancelled."""
        return self.filter(rsvp__in=Rsvp.going(), event__state=EventState.SCHEDULED)
