"""What the use cases of correspondence share: input shapes, the body sanitiser, the tenant's
today, notice texts, and the audit row every change writes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import nh3
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify, object_changed
from organizations.models import Position, Tenant, Unit, User
from workflows.choices import SecurityLevel
from workflows.transitions import Fired, transition_save

from ..models import (
    AddressBookEntry,
    Delegation,
    Delivery,
    Disposition,
    Letter,
)
from ..querysets import held_position_ids

# Exactly what the compose editor (assets/editor.js) makes: paragraphs (indented with
# data-indent 1-4), bold, italic, nested lists and simple tables. <b>/<i> from API clients are
# read as <strong>/<em>.
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ol",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
}
INDENT_LEVELS = 4
TAG_ATTRIBUTE_VALUES = {"p": {"data-indent": {str(n) for n in range(1, INDENT_LEVELS + 1)}}}
_TRAILING_BLANKS = re.compile(r"(<p>(\s|<br>)*</p>)+$")
_SYNONYM = re.compile(r"<(/?)(b|i)(\s[^>]*)?>", re.IGNORECASE)


class StaleEdit(Exception):
    """The draft was changed by someone else since the form was opened."""


@dataclass(frozen=True)
class RecipientInput:
    kind: str
    unit: Unit | None = None
    position: Position | None = None
    address: AddressBookEntry | None = None


BLOCK_TAG = re.compile(r"<\s*(p|div|ol|ul|li|table|h[1-6]|blockquote|br)\b", re.IGNORECASE)


def body_paragraphs(text: str) -> str:
    """Text typed without block markup (a plain textarea, an API client) as paragraphs: a
    blank line starts a new paragraph, each further blank line stays as an empty paragraph
    (the PDF keeps it as a blank line), a single line break stays a line break."""
    if BLOCK_TAG.search(text or ""):
        return text or ""
    out: list[str] = []
    lines: list[str] = []
    blanks = 0
    for raw in (text or "").strip().splitlines():
        line = raw.strip()
        if line:
            if blanks > 1:
                out += ["<p></p>"] * (blanks - 1)
            blanks = 0
            lines.append(line)
            continue
        if lines:
            out.append("<p>" + "<br>".join(lines) + "</p>")
            lines = []
        blanks += 1
    if lines:
        out.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(out)


def body_sanitize(html_text: str) -> str:
    """Keep only the markup the editor makes, every paragraph (and blank line) kept;
    scripts, styles, links and any other markup go."""
    text = _SYNONYM.sub(
        lambda m: f"<{m[1]}{'strong' if m[2].lower() == 'b' else 'em'}>",
        body_paragraphs(html_text),
    )
    clean = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes={},
        tag_attribute_values=TAG_ATTRIBUTE_VALUES,
        url_schemes=set(),
    ).strip()
    # Blank lines at the end print as nothing (the editor keeps one after a closing list).
    return _TRAILING_BLANKS.sub("", clean)


def tenant_today(tenant: Tenant) -> dt.date:
    """Today in the tenant's time zone."""
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def notice_subject(letter: Letter) -> str:
    """A letter's subject as notifications, pushes and e-mails may show it: never for Rahasia
    and above (a notification lands on lock screens and in mailboxes)."""
    if letter.security in SecurityLevel.confidential():
        return _("%(level)s letter from %(unit)s") % {
            "level": letter.get_security_display(),
            "unit": letter.unit.label,
        }
    return letter.subject


def letter_url(letter: Letter) -> str:
    """The letter's page, for notifications."""
    return reverse("correspondence:letter", args=[letter.pk])


def letter_notify(users, kind: str, letter: Letter, text: str, *, about=None) -> None:
    """Tell `users` of a step of `letter` (the notice is about `about`, the letter by default):
    `text` names the subject as %(s)s, and the notice opens the letter."""
    notify(
        users,
        kind,
        about or letter,
        text=text % {"s": notice_subject(letter)},
        url=letter_url(letter),
    )


def delegator_for(user: User, position: Position) -> User | None:
    """When the user acts for a position only through a delegation, its delegator."""
    if Position.objects.filter(pk=position.pk, pk__in=held_position_ids(user)).exists():
        return None
    today = timezone.localdate()
    d = (
        Delegation.objects.filter(
            delegate=user, position=position, start_date__lte=today, end_date__gte=today
        )
        .select_related("delegator")
        .first()
    )
    return d.delegator if d else None


def transition_record(
    obj: Letter | Delivery | Disposition,
    fired: Fired | str,
    *,
    action: str,
    by: User,
    position: Position | None = None,
    note: str = "",
    save: bool = True,
) -> None:
    """Save a letter, delivery or disposition after a transition (`fired`; or, given the state
    it was in and `save=False`, after a change that is no transition), append its audit row,
    naming the delegator when `by` acts for `position` only through a delegation, and refresh
    the letter's page for whoever watches it once this commits."""
    behalf = delegator_for(by, position) if position is not None and by is not None else None
    transition_save(
        obj,
        fired,
        action=action,
        by=by,
        tenant_id=obj.tenant_id,
        note=note,
        acting_position=position,
        on_behalf_of=behalf,
        save=save,
    )
    letter_id = obj.pk if isinstance(obj, Letter) else obj.letter_id
    object_changed("letter", letter_id, action=action)
