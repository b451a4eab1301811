"""Reads for composing a letter: the templates a drafter may use and their placeholders filled
from the form, a draft's versions and the diff of one against the current text. No writes
(the drafting services save, autosave and restore)."""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import date_long, day_date_long
from core.query import id_or_404
from organizations.choices import TimeZone
from organizations.models import Position, Unit, User

from .models import Letter, LetterTemplate, LetterVersion
from .querysets import held_position_ids

# The placeholders a template may hold, in the order the admin's help lists them: each is
# filled from the compose form when the form knows it, and left as typed ("{tanggal}")
# otherwise, so the drafter sees what is still to write.
PLACEHOLDERS = (
    "penerima",  # the addressees (to): units, posts and addressees off the platform
    "hal",  # the subject
    "acara",  # the event: the summary when there is one, else the subject
    "tanggal",  # the event's day: "Senin, 14 Desember 2026"
    "waktu",  # the event's hours in the tenant's zone: "09.00 - 12.00 WIB"
    "tempat",  # the event's place
    "surat_rujukan",  # the letter replied to: "Nomor ... tanggal ... perihal ..."
    "penandatangan",  # the signing post
    "unit",  # the drafter's unit
)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def drafting_unit_paths(user: User) -> list[str]:
    """The tree paths of the units of the posts the user holds."""
    return list(
        Position.objects.filter(pk__in=held_position_ids(user)).values_list("unit__path", flat=True)
    )


def letter_templates_for(user: User) -> QuerySet[LetterTemplate]:
    """The active templates of the user's tenant for active types that the user's units may
    use: the tenant's own and those of a unit the user's post is in or under."""
    steplen = Unit.steplen
    ancestors = {
        path[:end]
        for path in drafting_unit_paths(user)
        for end in range(steplen, len(path) + 1, steplen)
    }
    return (
        LetterTemplate.objects.filter(
            tenant_id=user.tenant_id, is_active=True, letter_type__is_active=True
        )
        .filter(Q(unit__isnull=True) | Q(unit__path__in=ancestors, unit__tenant_id=user.tenant_id))
        .select_related("letter_type")
        .order_by("sort_order", "name")
    )


def letter_template_get_for_user(user: User, pk) -> LetterTemplate:
    """A template the user may use, or 404 (the same for missing, foreign and another unit's)."""
    template = letter_templates_for(user).filter(pk=id_or_404(pk)).first()
    if template is None:
        raise Http404
    return template


def _zone_time(value: dt.datetime, tenant) -> dt.datetime:
    return timezone.localtime(value, ZoneInfo(tenant.time_zone))


def template_values(user: User, data: Mapping) -> dict[str, str]:
    """The placeholders' values known from the compose form's cleaned data (what is missing
    or invalid there is simply not known)."""
    tenant = user.tenant
    names = [u.name for u in data.get("to_units") or []]
    names += [p.title for p in data.get("to_positions") or []]
    names += [str(a) for a in data.get("to_addresses") or []]
    values = {
        "penerima": ", ".join(names),
        "hal": data.get("subject") or "",
        "acara": data.get("summary") or data.get("subject") or "",
        "tempat": data.get("event_location") or "",
        "penandatangan": data["signer_position"].title if data.get("signer_position") else "",
    }
    start, end = data.get("event_start"), data.get("event_end")
    if start:
        start = _zone_time(start, tenant)
        zone = TimeZone.abbreviation(tenant.time_zone)
        if end:
            hours = f"{start:%H.%M} - {_zone_time(end, tenant):%H.%M} {zone}"
        else:
            hours = f"{start:%H.%M} {zone} - {_('until finished')}"
        values |= {"tanggal": day_date_long(start.date()), "waktu": " ".join(hours.split())}
    reply_to = data.get("reply_to")
    if isinstance(reply_to, Letter) and reply_to.number:
        when = reply_to.sent_at or reply_to.signed_at
        values["surat_rujukan"] = " ".join(
            x
            for x in (
                f"Nomor {reply_to.number}",
                f"tanggal {date_long(_zone_time(when, tenant).date())}" if when else "",
                f"perihal {reply_to.subject}",
            )
            if x
        )
    units = Position.objects.filter(pk__in=held_position_ids(user)).select_related("unit")
    first = units.first()
    if first is not None:
        values["unit"] = first.unit.name
    return {k: v for k, v in values.items() if v}


def template_fill(template: LetterTemplate, values: Mapping[str, str]) -> str:
    """The template's opening, body and closing as one body, each known placeholder replaced
    by its (escaped) value and the others left as they are."""
    from .services import body_sanitize  # the services import this module's callers

    text = "".join(
        body_sanitize(part) for part in (template.opening, template.body, template.closing) if part
    )

    def fill(m: re.Match) -> str:
        value = values.get(m[1])
        return html.escape(value, quote=False) if value else m[0]

    return PLACEHOLDER.sub(fill, text)


# --- versions ---


def letter_versions(letter: Letter) -> QuerySet[LetterVersion]:
    """A draft's versions, newest first, with who saved each."""
    return letter.versions.select_related("created_by").order_by("-number")


def letter_version_get(letter: Letter, number) -> LetterVersion:
    """One version of the letter, or 404."""
    version = letter.versions.filter(number=id_or_404(number)).select_related("created_by").first()
    if version is None:
        raise Http404
    return version


_LINE_END = re.compile(r"</(p|li|tr|h\d)>|<br\s*/?>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]>", re.IGNORECASE)
_ITEM = re.compile(r"<li>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")


def body_lines(body: str) -> list[str]:
    """A body as text lines for a diff: one line per paragraph, list item and table row (its
    cells separated by " | "), empty paragraphs kept as empty lines."""
    text = _ITEM.sub("• ", body or "")
    text = _CELL_END.sub(" | ", text)
    text = _LINE_END.sub("\n", text)
    lines = html.unescape(_ANY_TAG.sub("", text)).split("\n")
    if lines and not lines[-1].strip():
        lines.pop()
    return [line.strip().removesuffix(" |") for line in lines]


def version_diff(letter: Letter, version: LetterVersion) -> list[tuple[str, str]]:
    """What changed from `version` to the letter as it is now: (kind, line) with kind "+",
    "-", " " or "@" (a hunk's start), subject and summary included."""
    before = [f"{_('Subject')}: {version.subject}", f"{_('Summary')}: {version.summary}"]
    after = [f"{_('Subject')}: {letter.subject}", f"{_('Summary')}: {letter.summary}"]
    diff = difflib.unified_diff(
        before + body_lines(version.body), after + body_lines(letter.body), lineterm="", n=2
    )
    out = []
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        out.append(("@", line) if line.startswith("@@") else (line[:1], line[1:]))
    return out
