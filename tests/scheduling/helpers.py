"""Invitations and events for the calendar tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from correspondence import services as letters
from correspondence.models import Delivery
from scheduling.models import Attendee, Event
from tests.correspondence.helpers import draft, through_review

from ..factories import PASSWORD

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")


def at(year, month, day, hour, minute=0, tz=WIB) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def invitation(world, *, to=("bappeda", "dinkes"), start=None, hours=2, security="biasa", **kw):
    """An undangan from Kominfo, signed by its head and sent."""
    start = start or at(2026, 12, 3, 9)
    letter = draft(
        world,
        to=to,
        code="undangan",
        security=security,
        subject=kw.pop("subject", "Rapat koordinasi Smart City"),
        event_start=start,
        event_end=start + dt.timedelta(hours=hours),
        event_location=kw.pop("location", "Aula Kominfo"),
        **kw,
    )
    letter = through_review(world, letter)
    letter = letters.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head)
    return letters.letter_send(letter=letter, by=world.head)


def event_of(letter, tenant) -> Event:
    return Event.objects.get(source_id=letter.pk, tenant=tenant)


def attendee(event, user) -> Attendee:
    return Attendee.objects.get(event=event, user=user)


def represent(world, letter, unit_key: str, head, to_position_key: str):
    """The unit head dispositions the invitation "Hadiri/wakili" to a post below."""
    delivery = Delivery.objects.get(letter=letter, unit=world.units[unit_key])
    return letters.disposition_create(
        delivery=delivery,
        by=head,
        to_positions=[world.positions[to_position_key]],
        instructions=["hadiri"],
    )
