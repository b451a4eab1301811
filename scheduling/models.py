"""Events, who attends them, rooms and their bookings, reminders and calendar feeds.

An event may come from a letter (an undangan): the link is a generic one (`source`), so the
calendar never imports correspondence. An invitation sent to another tenant becomes one event
row per tenant, so every row stays inside one tenant and each viewer sees their own time zone.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.choices import SecurityLevel

from .choices import AttendeeRole, BookingState, EventState, Rsvp
from .querysets import AttendeeQuerySet, EventQuerySet

DEFAULT_REMINDERS = [24 * 60, 60]  # minutes before the start: a day and an hour


def default_reminders() -> list[int]:
    return list(DEFAULT_REMINDERS)


class CalendarSettings(models.Model):
    """A tenant's calendar defaults (from the tenant file's `calendar` section)."""

    tenant = models.OneToOneField(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="calendar_settings"
    )
    reminder_minutes = models.JSONField(_("reminders (minutes before)"), default=default_reminders)

    class Meta:
        verbose_name = _("calendar settings")
        verbose_name_plural = _("calendar settings")

    def __str__(self) -> str:
        return str(self.tenant)


class Room(models.Model):
    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    building = models.CharField(_("building"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=10)
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("managed by"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="room_code_per_tenant"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.building})" if self.building else self.name


class Event(models.Model):
    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    online_url = models.URLField(_("online link"), blank=True)
    organiser_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organiser"),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    security = models.CharField(
        _("security"), max_length=16, choices=SecurityLevel.choices, default=SecurityLevel.BIASA
    )
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_label = models.CharField(_("source"), max_length=200, blank=True)
    source_url = models.CharField(max_length=300, blank=True)
    state = FSMField(default=EventState.SCHEDULED, choices=EventState.choices, protected=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # RFC 5545 SEQUENCE: bumped on every change a calendar app must pick up.
    sequence = models.PositiveIntegerField(default=0)
    reminder_minutes = models.JSONField(_("reminders (minutes before)"), default=default_reminders)
    minutes_file = models.FileField(_("minutes"), upload_to="events/minutes/%Y/", blank=True)
    minutes_name = models.CharField(max_length=200, blank=True)
    minutes_sha256 = models.CharField(max_length=64, blank=True)
    minutes_label = models.CharField(_("minutes (letter)"), max_length=200, blank=True)
    minutes_url = models.CharField(max_length=300, blank=True)
    attendance_taken_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "starts_at"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after"
            ),
            models.UniqueConstraint(
                fields=["tenant", "source_type", "source_id"],
                condition=Q(source_id__isnull=False),
                name="event_one_per_source_and_tenant",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_confidential(self) -> bool:
        return self.security in SecurityLevel.confidential()

    @property
    def is_cancelled(self) -> bool:
        return self.state == EventState.CANCELLED

    @property
    def place(self) -> str:
        return str(self.room) if self.room_id else self.location

    @transition(field=state, source=EventState.SCHEDULED, target=EventState.CANCELLED)
    def cancel(self, reason: str = "") -> None:
        self.cancel_reason = reason
        self.sequence += 1


class EventUnit(models.Model):
    """A unit invited to an event (the event shows in that unit's calendar)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(
        "organizations.Position", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "unit"], name="event_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} @ {self.event}"


class Attendee(models.Model):
    """A person expected at an event, and their answer."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(
        "organizations.Position", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("represents"),
    )
    role = models.CharField(
        _("role"), max_length=16, choices=AttendeeRole.choices, default=AttendeeRole.INVITED
    )
    # An answer, not a lifecycle: people change their mind freely, so a plain choice field.
    rsvp = models.CharField(_("answer"), max_length=12, choices=Rsvp.choices, default=Rsvp.PENDING)
    decline_reason = models.TextField(_("reason"), blank=True)
    delegated_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("present"), null=True, blank=True)

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["event", "id"]
        indexes = [models.Index(fields=["user", "event"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="attendee_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.event}"


class Reminder(models.Model):
    """One reminder for one attendee; `sent_at` is claimed once (never sent twice)."""

    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="reminders")
    minutes_before = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Claimed but not sent: a nearer reminder of the same person was due at the same run
    # (the worker was down), so only that one went out.
    skipped = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent_due"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["attendee", "minutes_before", "due_at"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attendee}: {self.minutes_before} min"


class RoomBooking(models.Model):
    """A room held for a time. Overlapping active bookings of one room are refused by the
    database itself (an exclusion constraint on PostgreSQL, triggers on SQLite; see the
    migration), so parallel requests cannot both win."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="bookings"
    )
    title = models.CharField(_("purpose"), max_length=300)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    state = models.CharField(
        max_length=12, choices=BookingState.choices, default=BookingState.ACTIVE
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("room booking")
        verbose_name_plural = _("room bookings")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["room", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room}: {self.title}"


class CalendarFeed(models.Model):
    """A private, revocable subscription URL for one user's calendar (the token is hashed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"feed of {self.user}"

    @staticmethod
    def hash(token: str) -> str:
        """The stored form of a feed token: its SHA-256 (the token itself is shown once)."""
        return hashlib.sha256(token.encode()).hexdigest()
