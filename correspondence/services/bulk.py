"""The bulk actions of the lists: mark several deliveries read, close several, sign several
letters with one passphrase. Each item goes through the one-item use case in its own
transaction; ids the user may not act on are passed over without saying whether they exist,
and an item already done is reported as such, so a double submit changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accounts.lockout import is_wrong_passphrase
from organizations.models import User

from .. import acting
from .. import permissions as policy
from ..choices import DeliveryState, RecipientKind, SigningMode
from ..models import Delivery, Letter
from .acting import delivery_acknowledge
from .deliveries import _deliveries_read, delivery_finish
from .signatures import letter_sign_request

MOVED_ON = (TransitionNotAllowed, ConcurrentTransition, PermissionDenied)


@dataclass(frozen=True)
class Outcome:
    """What happened to one item: `done`, `skipped` (nothing to do, or not the user's to
    do), `failed` (with the reason) or `not_tried` (an earlier wrong passphrase stopped)."""

    item: object
    result: str
    message: str = ""
    wrong_secret: bool = False


def ids_parse(raw: list[str], *, limit: int = 200) -> list[int]:
    """Ids from a form's repeated field: numbers only, each once, at most `limit`."""
    out = []
    for value in raw[:limit]:
        value = value.strip()
        if value.isdigit() and len(value) <= 18:
            out.append(int(value))
    return list(dict.fromkeys(out))


def deliveries_mark_read(*, by: User, ids: list[int]) -> list[Outcome]:
    """Record the user's read receipt on the unread deliveries among `ids` they receive."""
    rows = Delivery.objects.received_by(by).filter(pk__in=ids).select_related("letter")
    out = []
    for d in rows.order_by("pk"):
        if d.state != DeliveryState.DELIVERED:
            out.append(Outcome(d, "skipped"))
            continue
        with transaction.atomic():
            _deliveries_read(d.letter, by, only=d.pk)
        out.append(Outcome(d, "done"))
    return out


def deliveries_close(*, by: User, ids: list[int]) -> list[Outcome]:
    """Close each delivery among `ids` the user may close: a `to` one as done (selesai), a
    copy as acknowledged."""
    rows = Delivery.objects.visible_to(by).filter(pk__in=ids).select_related("letter")
    out = []
    for d in rows.order_by("pk"):
        try:
            if d.kind == RecipientKind.CC:
                if not acting.can_acknowledge_delivery(by, d):
                    raise PermissionDenied
                delivery_acknowledge(delivery=d, by=by)
            else:
                delivery_finish(delivery=d, by=by)
        except MOVED_ON:
            out.append(Outcome(d, "skipped"))
        else:
            out.append(Outcome(d, "done"))
    return out


def letters_sign_many(
    *,
    by: User,
    ids: list[int],
    passphrase: str,
    second_factor: bool,
    mode: str = SigningMode.ELECTRONIC,
) -> list[Outcome]:
    """Sign each letter among `ids` that waits for the user's signature, one after another,
    each through `letter_sign_request` (every check of a single signature, its own
    transaction). A wrong passphrase stops the run: the rest are not tried (the lockout
    counts it once). Raises nothing for an item; its outcome says what happened."""
    letters = Letter.objects.visible_to(by).filter(pk__in=ids).order_by("pk")
    out: list[Outcome] = []
    stopped = False
    for letter in letters:
        if stopped:
            out.append(Outcome(letter, "not_tried"))
            continue
        if not policy.can_sign_letter(by, letter):
            out.append(Outcome(letter, "skipped"))
            continue
        try:
            letter_sign_request(
                letter=letter,
                by=by,
                password=passphrase,
                passphrase=passphrase,
                second_factor=second_factor,
                mode=mode,
            )
        except MOVED_ON:
            out.append(Outcome(letter, "skipped"))
        except ValidationError as exc:
            # A wrong passphrase (electronic) or login password (paper) is the user's, not
            # the letter's: trying it on the next letter would only count more failures.
            stopped = is_wrong_passphrase(exc) or "password" in getattr(exc, "error_dict", {})
            out.append(Outcome(letter, "failed", " ".join(exc.messages), wrong_secret=stopped))
        else:
            out.append(Outcome(letter, "done"))
    return out
