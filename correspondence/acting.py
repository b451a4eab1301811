"""The policy of acting on a received or sent letter: reply, forward, acknowledge a copy,
follow the letter (lacak surat), and the bulk actions of the lists.

It extends `correspondence.permissions` (which is at its size limit) in the same shape:
`can_<verb>_<entity>(user, obj) -> bool`, built only from that module's answers and the
`visible_to` / `handled_by` querysets, so a list and a button never disagree.
"""

from __future__ import annotations

from .choices import DeliveryState, LetterState, RecipientKind
from .models import Delivery, Letter
from .permissions import _member, can_view_delivery, can_view_letter, can_view_sender_side
from .querysets import inbox_unit_id_list

RECEIVED_STATES = (LetterState.SENT, LetterState.REGISTERED)


def _received_deliveries(user, letter: Letter):
    """The letter's deliveries the user reads as a receiver, in their tenant."""
    return (
        Delivery.objects.visible_to(user)
        .filter(letter_id=letter.pk)
        .exclude(state=DeliveryState.RETRACTED)
    )


def can_reply_letter(user, letter: Letter) -> bool:
    """A receiver who reads the letter may start a reply (a new draft of their own)."""
    return (
        _member(user)
        and letter.state in RECEIVED_STATES
        and _received_deliveries(user, letter).exists()
    )


def forwardable_delivery(user, letter: Letter) -> Delivery | None:
    """The delivery a user forwards the letter from: one of their unit inboxes' or one they
    handle; never a confidential letter's (Rahasia and above go to named posts only)."""
    if not _member(user) or letter.state not in RECEIVED_STATES or letter.is_confidential:
        return None
    rows = _received_deliveries(user, letter)
    own = rows.filter(unit_id__in=inbox_unit_id_list(user)) | rows.filter(
        pk__in=Delivery.objects.handled_by(user).values("pk")
    )
    return own.order_by("kind", "pk").first()


def can_forward_letter(user, letter: Letter) -> bool:
    return forwardable_delivery(user, letter) is not None


def can_acknowledge_delivery(user, delivery: Delivery) -> bool:
    """Whoever reads a copy (tembusan) may say it was read ("sudah dibaca"), which closes it."""
    return (
        delivery.kind == RecipientKind.CC
        and delivery.state in (DeliveryState.DELIVERED, DeliveryState.READ)
        and can_view_delivery(user, delivery)
    )


def can_track_letter(user, letter: Letter) -> bool:
    """The sending side (drafter, signer, the sending unit's readers) follows a sent letter."""
    return (
        not letter.is_incoming
        and letter.state in (LetterState.SENT, LetterState.RETRACTED)
        and can_view_sender_side(user, letter)
    )


def acting_actions(user, letter: Letter) -> dict[str, bool]:
    """The reply, forward and tracking buttons of the letter page."""
    if not can_view_letter(user, letter):
        return {"reply": False, "forward": False, "track": False}
    return {
        "reply": can_reply_letter(user, letter),
        "forward": can_forward_letter(user, letter),
        "track": can_track_letter(user, letter),
    }
