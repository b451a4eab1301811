"""Use cases of the calendar: events (from letters or direct), answers, rooms, reminders, feeds.

Every function here is one transaction; notifications go out on commit (through
`notifications.services`). Correspondence calls the `*_for_source` functions through its
hooks; nothing here imports correspondence. The modules divide by sub-domain; callers import
from this package.
"""

from __future__ import annotations

from .attendees import attendance_record, attendee_delegate, attendee_respond
from .base import (
    MAX_REMINDER_MINUTES,
    event_notice_title,
    event_url,
    local_label,
    reminder_minutes_clean,
    reminder_minutes_for,
)
from .events import event_cancel, event_create, event_minutes_attach, event_reschedule
from .feeds import calendar_feed_touch, feed_create, feed_revoke, feed_token_hash
from .reminders import calendar_settings_set, reminders_send_due
from .rooms import RoomClash, room_booking_cancel, room_booking_create
from .sources import (
    Invite,
    event_cancel_for_source,
    event_representative_assign,
    event_reschedule_for_source,
    event_sync_from_source,
    events_for_source,
)

__all__ = [
    "MAX_REMINDER_MINUTES",
    "Invite",
    "RoomClash",
    "attendance_record",
    "attendee_delegate",
    "attendee_respond",
    "calendar_feed_touch",
    "calendar_settings_set",
    "event_cancel",
    "event_cancel_for_source",
    "event_create",
    "event_minutes_attach",
    "event_notice_title",
    "event_representative_assign",
    "event_reschedule",
    "event_reschedule_for_source",
    "event_sync_from_source",
    "event_url",
    "events_for_source",
    "feed_create",
    "feed_revoke",
    "feed_token_hash",
    "local_label",
    "reminder_minutes_clean",
    "reminder_minutes_for",
    "reminders_send_due",
    "room_booking_cancel",
    "room_booking_create",
]
