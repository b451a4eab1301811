"""Events as iCalendar (RFC 5545) with the `icalendar` library: one event's download and a
user's subscription feed. Confidential events in the feed are "Busy" blocks only."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from .choices import Rsvp
from .models import Event

PRODID = "-//Naskah//Kalender//ID"
PARTSTAT = {
    Rsvp.PENDING: "NEEDS-ACTION",
    Rsvp.ATTENDING: "ACCEPTED",
    Rsvp.DECLINED: "DECLINED",
    Rsvp.DELEGATED: "DELEGATED",
}


def _calendar(name: str, zone: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone)
    return cal


def _vevent(event: Event, *, base_url: str, busy_only: bool) -> VEvent:
    ve = VEvent()
    ve.add("uid", f"{event.uid}@naskah")
    ve.add("dtstamp", timezone.now())
    ve.add("dtstart", event.starts_at)
    ve.add("dtend", event.ends_at)
    ve.add("sequence", event.sequence)
    ve.add("last-modified", event.updated_at)
    ve.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    ve.add("transp", "OPAQUE")
    if busy_only:
        # Rahasia and above leave the platform as a busy block: no title, place or people.
        ve.add("summary", _("Busy"))
        ve.add("class", "CONFIDENTIAL")
        return ve
    ve.add("class", "PUBLIC")
    ve.add("summary", event.title)
    if event.place:
        ve.add("location", event.place)
    url = f"{base_url}{event_path(event)}"
    ve.add("url", url)
    lines = [event.agenda] if event.agenda else []
    if event.online_url:
        lines.append(event.online_url)
    if event.source_label:
        lines.append(event.source_label)
    lines.append(url)
    ve.add("description", "\n\n".join(lines))
    if event.organiser_unit_id:
        organiser = vCalAddress("mailto:noreply@naskah.invalid")
        organiser.params["cn"] = vText(event.organiser_unit.name)
        ve.add("organizer", organiser)
    for a in event.attendees.all():
        person = vCalAddress(f"mailto:{a.user.email or 'noreply@naskah.invalid'}")
        person.params["cn"] = vText(a.user.display_name)
        person.params["partstat"] = PARTSTAT[a.rsvp]
        person.params["role"] = "REQ-PARTICIPANT"
        ve.add("attendee", person, encode=0)
    return ve


def event_path(event: Event) -> str:
    return reverse("scheduling:event", args=[event.pk])


def event_ics(event: Event, *, base_url: str) -> bytes:
    """One event the viewer may open, in full."""
    cal = _calendar(event.title, event.tenant.time_zone)
    cal.add_component(_vevent(event, base_url=base_url, busy_only=False))
    return cal.to_ical()


def feed_ics(events: Iterable[Event], *, name: str, zone: str, base_url: str) -> bytes:
    """A subscription feed: confidential events as busy blocks."""
    cal = _calendar(name, zone)
    for event in events:
        cal.add_component(_vevent(event, base_url=base_url, busy_only=event.is_confidential))
    return cal.to_ical()
