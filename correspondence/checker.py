"""The rules checker: what a draft still lacks or gets wrong under the rules of naskah dinas.

`letter_findings(letter)` reads the letter and answers a list of findings; it never writes.
Each rule is one small function in `CHECKS`, so the list reads as the table of rules. An
error blocks submitting the draft (`services.review.letter_submit`); a warning is shown on
the draft's page and in the API and blocks nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Literal

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from organizations.models import Position
from organizations.selectors import position_holders
from workflows.choices import SecurityLevel

from . import hooks
from . import permissions as policy
from .choices import AttachmentKind, LetterState, RecipientKind, RecipientScope
from .composing import PLACEHOLDER, PLACEHOLDERS
from .layouts import Layout, layout_of, parts_fit, titles_allowed
from .models import Letter, Recipient
from .pdf.signature import academic_titles

Level = Literal["error", "warning"]
ERROR: Level = "error"
WARNING: Level = "warning"

# The rules cited with each finding (shown as written, not translated). Where the regulation
# is cited without an article, the rule is in its annex (the format of each type).
LAYOUT = "Permendagri 1/2023, Lampiran (susunan naskah dinas)"
ADDRESS = "Permendagri 1/2023, Lampiran (Yth.: nama jabatan yang dituju)"
SIGNING = "Permendagri 1/2023 (kewenangan penandatanganan; a.n./u.b.)"
TITLES = "Permendagri 1/2023 art. 44"
CLASSIFICATION = "Permendagri 83/2022 art. 3(5)-(6)"
ATTACHMENT = "Permendagri 1/2023, Lampiran (Lampiran: jumlah berkas)"
INVITATION = "Permendagri 1/2023, Lampiran (surat undangan: hari/tanggal, waktu, tempat)"
SECURITY = "Klasifikasi keamanan naskah dinas (Rahasia/Sangat Rahasia: sampul rangkap)"


@dataclass(frozen=True)
class Finding:
    """One thing the checker found: an error blocks submitting, a warning does not."""

    level: Level
    code: str  # a stable id ("part.missing")
    message: str  # translated, for the drafter
    rule: str  # the rule it applies, as cited
    field: str = ""  # the form field or part it is about, if one

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


class _Draft:
    """What the checks read of a letter, each fetched once and only when a check asks."""

    def __init__(self, letter: Letter):
        self.letter = letter

    @cached_property
    def layout(self) -> Layout:
        return layout_of(self.letter.letter_type)

    @cached_property
    def recipients(self) -> list[Recipient]:
        rows = self.letter.recipients.all()
        # the rows `selectors.letter_for_output` prefetched, when it did
        if "recipients" not in getattr(self.letter, "_prefetched_objects_cache", {}):
            rows = rows.select_related("unit", "position", "address")
        return list(rows)

    @cached_property
    def to(self) -> list[Recipient]:
        return [r for r in self.recipients if r.kind == RecipientKind.TO]

    @cached_property
    def attachments(self) -> int:
        return sum(1 for a in self.letter.attachments.all() if a.kind == AttachmentKind.ATTACHMENT)

    @cached_property
    def parts(self) -> dict:
        """The stored parts that fit the type's layout."""
        return parts_fit(self.layout, self.letter.parts)

    @cached_property
    def text(self) -> str:
        """The letter's own words: the body and its text parts, without markup."""
        chunks = [self.letter.body or ""]
        for spec in self.layout.structured:
            value = self.parts.get(spec.name)
            if spec.kind in {"html", "text", "event"} and isinstance(value, str):
                chunks.append(value)
            elif spec.kind == "items" and isinstance(value, list):
                chunks.extend(str(v) for v in value)
        return " ".join(plain(c) for c in chunks)

    @cached_property
    def signer_holder(self):
        """Who holds the signing post today (definitive first), if anyone."""
        position = self.letter.signer_position
        holders = position_holders(position) if position is not None else []
        return holders[0].user if holders else None


Check = Callable[[_Draft], Iterable[Finding]]


def plain(value: str) -> str:
    """Text without markup, entities or repeated spaces."""
    return " ".join(html.unescape(strip_tags(value or "")).split())


def _filled(value) -> bool:
    if isinstance(value, str):
        return bool(plain(value))
    return value not in (None, [], {})


# --- the rules ---
def _parts_required(d: _Draft) -> Iterator[Finding]:
    """Every required part of the type is there and not empty (the body is one when the
    type has it). An invitation's event part is its event fields, checked below."""
    for spec in d.layout.parts:
        if not spec.required:
            continue
        if spec.kind == "event" and (d.letter.letter_type.creates_event or d.letter.event_start):
            continue
        value = d.letter.body if spec.name == "body" else d.parts.get(spec.name)
        if not _filled(value):
            label = spec.label or (_("Body") if spec.name == "body" else spec.name)
            yield Finding(
                ERROR,
                "part.missing",
                _("“%(part)s” is required in a %(type)s: fill it in.")
                % {"part": label, "type": d.letter.letter_type.name},
                LAYOUT,
                spec.name,
            )


def _parts_unknown(d: _Draft) -> Iterator[Finding]:
    """Parts the type does not have (left from another type or an older layout) are not
    printed: the drafter decides whether their words belong elsewhere."""
    names = {p.name for p in d.layout.structured}
    extra = sorted(k for k, v in (d.letter.parts or {}).items() if k not in names and _filled(v))
    if not d.layout.has_body and _filled(d.letter.body):
        extra.insert(0, "body")
    for name in extra:
        yield Finding(
            WARNING,
            "part.unknown",
            _("A %(type)s has no part “%(part)s”: it will be left out of the letter.")
            % {"type": d.letter.letter_type.name, "part": name},
            LAYOUT,
            name,
        )


def _addressees(d: _Draft) -> Iterator[Finding]:
    """An addressed type goes to officials (Yth. <jabatan>): it has an addressee, and each
    unit it goes to has a head whose post the letter is addressed to (a post named, or an
    entry of the address book, is addressed as it stands)."""
    if not d.layout.addressed:
        return
    if not d.to:
        yield Finding(
            ERROR,
            "addressee.missing",
            _("A %(type)s is addressed to someone: add an addressee (to).")
            % {"type": d.letter.letter_type.name},
            ADDRESS,
            "recipients",
        )
        return
    units = [r for r in d.to if r.scope != RecipientScope.EXTERNAL and r.position_id is None]
    headed = set(
        Position.objects.filter(
            unit_id__in={r.unit_id for r in units}, is_head=True, is_active=True
        ).values_list("unit_id", flat=True)
    )
    for r in units:
        if r.unit_id not in headed:
            yield Finding(
                ERROR,
                "addressee.no_official",
                _(
                    "%(unit)s has no head, so no official can be addressed there: address one "
                    "of its posts instead."
                )
                % {"unit": r.unit},
                ADDRESS,
                "recipients",
            )
    for r in d.to:
        if r.position_id is not None and not r.position.is_active:
            yield Finding(
                ERROR,
                "addressee.inactive",
                _("%(post)s is no longer an active post: address another.") % {"post": r.position},
                ADDRESS,
                "recipients",
            )


def _signer(d: _Draft) -> Iterator[Finding]:
    """The letter has a signer who may sign its type, by the type's rule or, a.n., by an
    active mandate from a post the rule allows."""
    letter = d.letter
    kind = letter.letter_type.name
    if letter.signer_position_id is None:
        yield Finding(
            ERROR, "signer.missing", _("Choose who signs this letter."), SIGNING, "signer_position"
        )
        return
    signer = letter.signer_position
    if policy.letter_signer_allowed(letter, signer):
        return
    grantor = letter.on_behalf_of if letter.on_behalf_of_id else None
    if grantor is None or not signer.is_active:
        message = _("%(post)s may not sign a %(type)s.") % {"post": signer, "type": kind}
        yield Finding(ERROR, "signer.not_allowed", message, SIGNING, "signer_position")
    elif not policy.signer_allowed(letter.letter_type, grantor):
        message = _("%(grantor)s may not sign a %(type)s, so nobody signs it a.n. that post.")
        yield Finding(
            ERROR,
            "signer.grantor_not_allowed",
            message % {"grantor": grantor, "type": kind},
            SIGNING,
            "on_behalf_of",
        )
    else:
        message = _(
            "No active mandate lets %(post)s sign a %(type)s a.n. %(grantor)s: ask for the "
            "mandate (a.n. %(grantor)s) or choose another signer."
        )
        yield Finding(
            ERROR,
            "signer.mandate_missing",
            message % {"post": signer, "type": kind, "grantor": grantor},
            SIGNING,
            "on_behalf_of",
        )


def _signer_titles(d: _Draft) -> Iterator[Finding]:
    """Art. 44: pengaturan and penetapan are signed without academic titles."""
    if titles_allowed(d.layout) or d.signer_holder is None:
        return
    name = d.signer_holder.display_name
    found = academic_titles(name)
    if found:
        yield Finding(
            WARNING,
            "titles.signer",
            _(
                "A %(type)s is signed without academic titles: %(titles)s will be left out "
                "of %(name)s."
            )
            % {"type": d.letter.letter_type.name, "titles": ", ".join(found), "name": name},
            TITLES,
            "signer_position",
        )


def _people_titles(d: _Draft) -> Iterator[Finding]:
    """Art. 44 again, for the names a decree or regulation lists in its parts."""
    if titles_allowed(d.layout):
        return
    for spec in d.layout.structured:
        rows = d.parts.get(spec.name)
        if spec.kind not in {"people", "parties"} or not isinstance(rows, list):
            continue
        names = [row.get("name", "") for row in rows if academic_titles(row.get("name", ""))]
        if names:
            yield Finding(
                WARNING,
                "titles.people",
                _("Write the names in %(part)s without academic titles: %(names)s.")
                % {"part": spec.label or spec.name, "names": "; ".join(names)},
                TITLES,
                spec.name,
            )


def _classification(d: _Draft) -> Iterator[Finding]:
    """The classification code numbers and files the letter: it is one of the file plan's
    active codes. A letter without one is numbered without it, which the rule advises against."""
    code = (d.letter.classification_code or "").strip()
    if not code:
        message = _("No classification code: the letter is numbered and filed without one.")
        yield Finding(
            WARNING, "classification.empty", message, CLASSIFICATION, "classification_code"
        )
        return
    state = hooks.classification_state(d.letter.tenant, code)
    refusals = {
        "inactive": _("Classification code %(code)s is no longer in use: choose a current one."),
        "unknown": _("Classification code %(code)s is not in the file plan."),
    }
    if state in refusals:
        yield Finding(
            ERROR,
            f"classification.{state}",
            refusals[state] % {"code": code},
            CLASSIFICATION,
            "classification_code",
        )


# Any mention of an attachment ("lampiran", "terlampir", "dilampirkan", "kami lampirkan"),
# and the words that say something is attached: not "lampiran" alone, which also cites
# another document ("Lampiran Peraturan Menteri …").
MENTIONS_ATTACHMENT = re.compile(r"\b(?:ter|di|me)?lampir(?:an|kan)?\b", re.IGNORECASE)
CLAIMS_ATTACHMENT = re.compile(r"\b(?:terlampir|(?:di|me)?lampirkan)\b", re.IGNORECASE)


def _attachments(d: _Draft) -> Iterator[Finding]:
    """What the text says is attached is attached (the heading's Lampiran line counts the
    files), and what is attached is mentioned."""
    mentioned = bool(MENTIONS_ATTACHMENT.search(d.text))
    if CLAIMS_ATTACHMENT.search(d.text) and not d.attachments:
        yield Finding(
            ERROR,
            "attachment.missing",
            _(
                "The text refers to an attachment (lampiran) but none is attached: the "
                "Lampiran line would have no count. Attach it, or change the text."
            ),
            ATTACHMENT,
            "attachment",
        )
    elif d.attachments and not mentioned:
        yield Finding(
            WARNING,
            "attachment.unmentioned",
            _("The letter has attachments but its text never mentions them (terlampir)."),
            ATTACHMENT,
            "attachment",
        )


def _event(d: _Draft) -> Iterator[Finding]:
    """An invitation gives the day, time and place of its event: its calendar entries are
    made from them when it is sent."""
    if not d.letter.letter_type.creates_event:
        return
    if d.letter.event_start is None:
        message = _("Give the day and time of the event.")
        yield Finding(ERROR, "event.start_missing", message, INVITATION, "event_start")
    if not (d.letter.event_location or "").strip():
        message = _("Give the place of the event.")
        yield Finding(ERROR, "event.place_missing", message, INVITATION, "event_location")


def _confidential_off_platform(d: _Draft) -> Iterator[Finding]:
    """A Rahasia letter to an addressee off the platform leaves on paper."""
    if d.letter.security not in SecurityLevel.confidential():
        return
    if any(
        r.scope == RecipientScope.EXTERNAL and not r.address.secure_official for r in d.recipients
    ):
        yield Finding(
            WARNING,
            "security.off_platform",
            _(
                "A %(level)s letter goes to addressees off the platform: it leaves on paper, "
                "in a double envelope. Check that this is intended."
            )
            % {"level": d.letter.get_security_display()},
            SECURITY,
            "recipients",
        )


def _placeholders(d: _Draft) -> Iterator[Finding]:
    """A template's placeholder the drafter has not replaced yet ("{tanggal}") would be
    signed as it is."""
    left = sorted({m for m in PLACEHOLDER.findall(d.letter.body or "") if m in PLACEHOLDERS})
    if left:
        yield Finding(
            ERROR,
            "body.placeholder",
            _("Replace the template's placeholders still in the body: %(names)s.")
            % {"names": ", ".join(f"{{{name}}}" for name in left)},
            LAYOUT,
            "body",
        )


CHECKS: tuple[Check, ...] = (
    _parts_required,
    _parts_unknown,
    _addressees,
    _signer,
    _signer_titles,
    _people_titles,
    _classification,
    _attachments,
    _event,
    _confidential_off_platform,
    _placeholders,
)


def letter_findings(letter: Letter) -> list[Finding]:
    """What the rules find in a letter, errors first, each rule in the order of `CHECKS`."""
    draft = _Draft(letter)
    found = [f for check in CHECKS for f in check(draft)]
    return sorted(found, key=lambda f: not f.is_error)


def draft_findings(letter: Letter) -> list[Finding]:
    """The findings while the letter is a draft (what blocks its submission and what only
    warns), for its page and the API; none once it has left its drafter."""
    if letter.state != LetterState.DRAFT or letter.is_incoming:
        return []
    return letter_findings(letter)
