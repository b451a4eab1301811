"""Reads for acting on a letter (selectors beside `selectors.py`, which is at its size limit):
"lacak surat" for the sending side, the forwarded copies a reader sees, the copies they may
acknowledge, and the sender line of a letter (OPD and signer)."""

from __future__ import annotations

from dataclasses import dataclass, field

from organizations.models import Unit, User

from . import acting
from .choices import DispositionState
from .models import Delivery, Disposition, Letter


@dataclass
class TrackRow:
    """One recipient's progress as the sender may see it: delivered, read (when, by whom),
    the disposition chain (empty and `hidden` when the recipient's confidentiality keeps it
    from the sender), reports and done."""

    delivery: Delivery
    reader: User | None
    steps: list[tuple[int, Disposition]] = field(default_factory=list)
    hidden: bool = False

    @property
    def reports(self) -> int:
        return sum(1 for _depth, d in self.steps if d.state == DispositionState.DONE)


def _depths(rows: list[Disposition]) -> list[tuple[int, Disposition]]:
    """Dispositions in chain order (each followed by those it passed down), with depth."""
    children: dict[int | None, list[Disposition]] = {}
    for d in rows:
        children.setdefault(d.parent_id, []).append(d)
    ids = {d.pk for d in rows}
    out: list[tuple[int, Disposition]] = []

    def walk(parent, depth):
        for d in children.get(parent, []):
            out.append((depth, d))
            walk(d.pk, depth + 1)

    for root in [d for d in rows if d.parent_id not in ids]:
        out.append((0, root))
        walk(root.pk, 1)
    return out


def letter_tracking(user: User, letter: Letter) -> list[TrackRow]:
    """Per recipient, what happened to the letter, for its sending side (`acting.
    can_track_letter`); empty for anyone else. A recipient in another government, or a
    Rahasia and above delivery, shows its receipt and state but not its dispositions."""
    if not acting.can_track_letter(user, letter):
        return []
    deliveries = list(
        Delivery.objects.filter(letter=letter)
        .select_related("unit__tenant", "position", "first_read_by", "forwarded_by")
        .order_by("-kind", "unit__path", "pk")  # "to" before the copies
    )
    # A copy another government forwarded inside itself is its own business.
    deliveries = [d for d in deliveries if not d.forwarded_from_id or d.tenant_id == user.tenant_id]
    open_ids = [
        d.pk for d in deliveries if d.tenant_id == letter.tenant_id and not d.is_confidential
    ]
    chains: dict[int, list[Disposition]] = {}
    for d in (
        Disposition.objects.filter(delivery_id__in=open_ids)
        .exclude(state__in=[DispositionState.PREPARED, DispositionState.CANCELLED])
        .select_related("to_position", "issued_as", "reported_by")
        .order_by("pk")
    ):
        chains.setdefault(d.delivery_id, []).append(d)
    return [
        TrackRow(
            delivery=d,
            reader=d.first_read_by if d.tenant_id == letter.tenant_id else None,
            steps=_depths(chains.get(d.pk, [])),
            hidden=d.pk not in open_ids,
        )
        for d in deliveries
    ]


def sender_opds(units: list[Unit]) -> dict[int, Unit]:
    """The OPD (the ancestor at depth 2, or the unit itself) of each unit, in one query."""
    steplen = Unit.steplen
    prefixes = {u.pk: u.path[: 2 * steplen] if u.depth >= 2 else u.path for u in units}
    found = {o.path: o for o in Unit.objects.filter(path__in=set(prefixes.values()))}
    return {pk: found.get(path) for pk, path in prefixes.items()}


def senders_attach(letters: list[Letter]) -> None:
    """Set `sender_opd` on each (not incoming) letter: the OPD of its unit, for "Dari: OPD —
    signer" on lists and the letter page."""
    units = [letter.unit for letter in letters if not letter.is_incoming]
    opds = sender_opds(units)
    for letter in letters:
        letter.sender_opd = opds.get(letter.unit_id) if not letter.is_incoming else None


def letter_page_acting(user: User, letter: Letter, deliveries: list[Delivery]) -> dict:
    """What the letter page shows of this part: the reply, forward and tracking buttons, the
    tracking, the copies the user may acknowledge, and the forwarded copies they read."""
    senders_attach([letter])
    return {
        "acts": acting.acting_actions(user, letter),
        "tracking": letter_tracking(user, letter),
        "ackable": [d for d in deliveries if acting.can_acknowledge_delivery(user, d)],
        "forwarded": _forwarded_to(user, deliveries),
    }


def _forwarded_to(user: User, deliveries: list[Delivery]) -> list[Delivery]:
    """The forwarded copies among the page's deliveries that the user reads as a receiver
    (the sending side sees them on the tracking instead)."""
    forwarded = [d for d in deliveries if d.forwarded_by_id]
    if not forwarded:
        return []
    mine = set(
        Delivery.objects.visible_to(user)
        .filter(pk__in=[d.pk for d in forwarded])
        .values_list("pk", flat=True)
    )
    return [d for d in forwarded if d.pk in mine]
