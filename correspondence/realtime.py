"""What correspondence registers with notifications: who may watch a letter page live, and
the lines of the daily digest, and which of its objects are confidential."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.registry import DigestLine, confidential_register_field, object_group
from workflows.choices import SecurityLevel

from . import selectors


def letter_watch_group(user, pk: int) -> str | None:
    """The letter's live group when the user may see the letter, else None (missing, hidden
    and foreign alike)."""
    try:
        letter = selectors.letter_get_for_user(user, pk)
    except Http404:
        return None
    return object_group("letter", letter.pk)


def letter_watch_stamp(user, pk: int) -> str | None:
    """What changes whenever the letter's page would (its row, its comments), when the user
    may see the letter, else None (missing, hidden and foreign alike)."""
    try:
        letter = selectors.letter_get_for_user(user, pk)
    except Http404:
        return None
    return f"{letter.updated_at.isoformat()}/{letter.comments.count()}"


def digest_lines(user) -> list[DigestLine]:
    """What waits for a user today: letters to sign or review, unread letters and open or
    overdue dispositions."""
    if not user.tenant_id:
        return []
    counters = selectors.counters_for(user)
    overdue = selectors.dispositions_overdue_for(user).count()
    return [
        DigestLine(_("Letters to sign"), counters.to_sign, reverse("correspondence:awaiting")),
        DigestLine(_("Letters to review"), counters.to_review, reverse("correspondence:awaiting")),
        DigestLine(_("Unread letters"), counters.unread_incoming, reverse("correspondence:inbox")),
        DigestLine(
            _("Open dispositions to me"),
            counters.open_dispositions,
            reverse("correspondence:dispositions"),
        ),
        DigestLine(_("Overdue dispositions"), overdue, reverse("correspondence:dispositions")),
    ]


def confidential_register_all() -> None:
    """Tell notifications which letters, deliveries and dispositions are Rahasia or Sangat
    Rahasia: a push or chat message about one says only that there is one, with the link."""
    from .models import Delivery, Disposition, Letter

    for model in (Letter, Delivery, Disposition):
        confidential_register_field(model, "security", SecurityLevel.confidential())
