"""Where letters meet the other apps: the archive's file plan and records, the calendar.

Correspondence calls `archive.services` / `scheduling.services` from here and only here, so
the dependency stays one-way and each integration point is easy to find.
"""

from __future__ import annotations

import re

CODE = re.compile(r"^\d{3}(\.\d+)*$")


def classification_known(tenant, code: str) -> bool:
    """Whether a classification code exists in the tenant's file plan."""
    return bool(CODE.match(code))


def letter_sent(letter, deliveries, *, by) -> None:
    """After a letter is sent (inside the sending transaction)."""


def letter_retracted(letter, *, reason: str, by) -> None:
    """After a sent letter is retracted."""


def disposition_issued(disposition, *, by) -> None:
    """After a disposition is issued to its assignee."""


def delivery_done(delivery, *, by) -> None:
    """After a delivery is closed."""
