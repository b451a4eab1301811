"""Private iCalendar feed URLs: create, revoke, and note their use."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from organizations.models import User

from ..models import CalendarFeed

FEED_TOUCH_EVERY = dt.timedelta(hours=1)


def feed_token_hash(token: str) -> str:
    """The stored form of a feed token (see `CalendarFeed.hash`)."""
    return CalendarFeed.hash(token)


@transaction.atomic
def feed_create(*, user: User) -> str:
    """A new private feed URL token for the user; any earlier one stops working. The token
    is shown once and only its hash is kept."""
    feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=feed_token_hash(token))
    return token


@transaction.atomic
def feed_revoke(*, user: User) -> int:
    """Stop the user's feed URL."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    """Note that a feed was read: at most once an hour, so a calendar app polling it every few
    minutes does not write a row each time."""
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > FEED_TOUCH_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
