"""The Riwayat in words: every audit action a letter, a delivery or a disposition can log, as a
sentence a civil servant reads ("Ditandatangani oleh <nama> (<jabatan>)") instead of its code.

`SENTENCES` is keyed by action code; `TRANSITION_ACTIONS` says which codes each state-machine
transition logs, so the tests can walk django-fsm's transitions and find a sentence for each.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# %(who)s is the actor ("Name (jabatan)", or "the system"); the note follows the sentence.
SENTENCES = {
    "letter.created": _("Drafted by %(who)s"),
    "letter.submitted": _("Submitted for review by %(who)s"),
    "letter.approved": _("Approved (paraf) by %(who)s"),
    "letter.returned": _("Returned to the drafter by %(who)s"),
    "letter.withdrawn": _("Withdrawn to draft by %(who)s"),
    "letter.cancelled": _("Draft cancelled by %(who)s"),
    "letter.cosigned": _("Co-signed by %(who)s"),
    "letter.signed": _("Signed by %(who)s"),
    "letter.sign_failed": _("Signing did not succeed for %(who)s"),
    "letter.sent": _("Sent by %(who)s"),
    "letter.retracted": _("Retracted by %(who)s"),
    "letter.closed": _("Closed and filed by %(who)s"),
    "letter.registered": _("Registered as incoming mail by %(who)s"),
    "letter.renumbered": _("Number corrected by %(who)s"),
    "letter.rescheduled": _("Event moved by %(who)s"),
    "letter.dispatched": _("Dispatched to an addressee off the platform by %(who)s"),
    "letter.emailed": _("Sent by e-mail to an addressee off the platform"),
    "letter.undelivered": _("The e-mail to an addressee could not be delivered"),
    "letter.peer_delivered": _("Delivered to the partner instance"),
    "letter.peer_refused": _("Refused by the partner instance"),
    "letter.peer_read": _("Read at the partner instance"),
    "letter.peer_done": _("Done at the partner instance"),
    "letter.forwarded": _("Forwarded by %(who)s"),
    "delivery.delivered": _("Delivered"),
    "delivery.read": _("Received and read by %(who)s"),
    "delivery.started": _("Taken up (disposition) by %(who)s"),
    "delivery.done": _("Marked done by %(who)s"),
    "delivery.acknowledged": _("Copy acknowledged as read by %(who)s"),
    "delivery.retracted": _("Withdrawn: the sender retracted the letter"),
    "delivery.forwarded": _("Forwarded here by %(who)s"),
    "disposition.created": _("Disposition issued by %(who)s"),
    "disposition.prepared": _("Disposition prepared by %(who)s"),
    "disposition.confirmed": _("Disposition confirmed by %(who)s"),
    "disposition.read": _("Disposition read by %(who)s"),
    "disposition.reported": _("Report sent by %(who)s"),
    "disposition.cancelled": _("Disposition cancelled by %(who)s"),
}

# Which action codes each state-machine transition logs, by model and transition name.
TRANSITION_ACTIONS = {
    ("letter", "submit"): ("letter.submitted",),
    ("letter", "approve"): ("letter.approved",),
    ("letter", "return_to_drafter"): ("letter.returned",),
    ("letter", "withdraw"): ("letter.withdrawn",),
    ("letter", "cancel"): ("letter.cancelled",),
    ("letter", "sign"): ("letter.signed", "letter.cosigned"),
    ("letter", "send"): ("letter.sent",),
    ("letter", "retract"): ("letter.retracted",),
    # A letter made by hand during an outage enters the register as sent (the note says so).
    ("letter", "record_made_by_hand"): ("letter.sent",),
    ("delivery", "open"): ("delivery.read",),
    ("delivery", "start"): ("delivery.started",),
    ("delivery", "finish"): ("delivery.done",),
    ("delivery", "acknowledge"): ("delivery.acknowledged",),
    ("delivery", "withdraw_by_sender"): ("delivery.retracted",),
    ("disposition", "confirm"): ("disposition.confirmed",),
    ("disposition", "open"): ("disposition.read",),
    ("disposition", "report"): ("disposition.reported",),
    ("disposition", "cancel"): ("disposition.cancelled",),
}


@dataclass(frozen=True)
class HistoryLine:
    at: object
    text: str
    note: str
    action: str


def who_of(row) -> str:
    """The actor as the history names them: "Name (jabatan)", on whose behalf, or the
    system for the platform's own steps."""
    if row.actor_id is None:
        return gettext("the system")
    who = row.actor.display_name
    if row.acting_position_id:
        who = f"{who} ({row.acting_position.title})"
    if row.on_behalf_of_id:
        who = gettext("%(who)s on behalf of %(other)s") % {
            "who": who,
            "other": row.on_behalf_of.display_name,
        }
    return who


def sentence(row) -> str:
    """One audit row in words; an action without a sentence keeps its code."""
    template = SENTENCES.get(row.action)
    if template is None:
        return row.action
    return str(template) % {"who": who_of(row)}


def history_lines(rows) -> list[HistoryLine]:
    """Audit rows (with actor, acting post and on-behalf-of loaded) as history lines."""
    return [HistoryLine(r.created_at, sentence(r), r.note, r.action) for r in rows]
