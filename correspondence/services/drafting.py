"""Drafts: create, edit (versioned), attach files, cancel; and what changed since a reviewer
last looked."""

from __future__ import annotations

import datetime as dt
import difflib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from core.uploads import SCAN_TYPES, UploadInfo, stored_name, upload_inspect
from organizations.models import Position, Tenant, Unit, User
from workflows.choices import SecurityLevel, Urgency
from workflows.transitions import row_lock, transition_fire

from .. import hooks, layouts
from .. import permissions as policy
from ..choices import (
    AttachmentKind,
    LetterScope,
    LetterState,
    RecipientKind,
    RecipientScope,
)
from ..composing import body_lines
from ..models import (
    Attachment,
    Letter,
    LetterType,
    LetterVersion,
    Recipient,
    ReviewStep,
)
from ..querysets import held_position_ids
from .common import (
    RecipientInput,
    StaleEdit,
    body_sanitize,
    transition_record,
)
from .review import signer_propose


def _recipients_check(letter: Letter, recipients: list[RecipientInput]) -> list[Recipient]:
    rows, seen = [], set()
    if not any(r.kind == RecipientKind.TO for r in recipients):
        raise ValidationError({"recipients": _("A letter needs at least one addressee (to).")})
    for order, r in enumerate(recipients):
        if r.kind not in RecipientKind.values:
            raise ValidationError({"recipients": _("Unknown recipient kind.")})
        if r.address is not None:
            if r.address.tenant_id != letter.tenant_id or not r.address.is_active:
                raise ValidationError({"recipients": _("Unknown addressee.")})
            scope = RecipientScope.EXTERNAL
            key = ("a", r.address.pk)
        elif r.unit is not None:
            if not r.unit.is_active:
                raise ValidationError({"recipients": _("%s is not active.") % r.unit})
            if r.position is not None and r.position.unit_id != r.unit.pk:
                raise ValidationError(
                    {"recipients": _("%s is not a position of that unit.") % r.position}
                )
            internal = r.unit.tenant_id == letter.tenant_id
            scope = RecipientScope.INTERNAL if internal else RecipientScope.PLATFORM
            if not internal and not Tenant.objects.filter(pk=r.unit.tenant_id, is_active=True):
                raise ValidationError({"recipients": _("Unknown recipient.")})
            key = ("u", r.unit.pk, r.position.pk if r.position else None)
        else:
            raise ValidationError({"recipients": _("A recipient needs a unit or an addressee.")})
        if scope != RecipientScope.INTERNAL and letter.letter_type.scope == LetterScope.INTERNAL:
            raise ValidationError(
                {
                    "recipients": _("%(type)s goes only to units of this government.")
                    % {"type": letter.letter_type.name}
                }
            )
        if (
            scope == RecipientScope.EXTERNAL
            and letter.security == SecurityLevel.SANGAT_RAHASIA
            and not r.address.secure_official
        ):
            raise ValidationError(
                {"recipients": _("A top secret letter cannot go to addressees off the platform.")}
            )
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Recipient(
                letter=letter,
                kind=r.kind,
                scope=scope,
                unit=r.unit,
                position=r.position,
                address=r.address,
                order=order,
            )
        )
    return rows


def letter_fields_check(letter: Letter) -> None:
    letter.body = body_sanitize(letter.body)
    if letter.letter_type.tenant_id != letter.tenant_id or not letter.letter_type.is_active:
        raise ValidationError({"letter_type": _("Unknown letter type.")})
    if letter.on_behalf_of_id and (
        letter.on_behalf_of.tenant_id != letter.tenant_id or not letter.signer_position_id
    ):
        raise ValidationError({"on_behalf_of": _("Unknown position.")})
    if letter.signer_position_id and not policy.letter_signer_allowed(
        letter, letter.signer_position
    ):
        raise ValidationError(
            {
                "signer_position": _("%(pos)s may not sign a %(type)s.")
                % {"pos": letter.signer_position, "type": letter.letter_type.name}
            }
        )
    try:
        letter.parts = layouts.parts_clean(
            layouts.layout_of(letter.letter_type), letter.parts, body_sanitize
        )
    except ValueError as exc:
        raise ValidationError({"parts": str(exc)}) from None
    if letter.reply_to_id and not Letter.objects.visible_to(letter.drafter).filter(
        pk=letter.reply_to_id
    ):
        raise ValidationError({"reply_to": _("Unknown letter.")})
    if letter.classification_code and not hooks.classification_known(
        letter.tenant, letter.classification_code
    ):
        raise ValidationError({"classification_code": _("Unknown classification code.")})
    if letter.event_start and letter.event_end and letter.event_end <= letter.event_start:
        raise ValidationError({"event_end": _("The event must end after it starts.")})
    letter.full_clean(exclude=["state", "body", "drafter", "unit", "tenant", "letter_type"])


def _version_save(letter: Letter, by: User) -> None:
    LetterVersion.objects.create(
        letter=letter,
        number=letter.version,
        subject=letter.subject,
        summary=letter.summary,
        body=letter.body,
        parts=letter.parts,
        created_by=by,
    )


def _drafting_unit(by: User) -> Unit:
    pos = Position.objects.filter(pk__in=held_position_ids(by)).select_related("unit").first()
    if pos is None:
        raise PermissionDenied(_("You hold no position, so you cannot draft letters."))
    return pos.unit


@transaction.atomic
def letter_create(
    *,
    by: User,
    letter_type: LetterType,
    subject: str,
    recipients: list[RecipientInput],
    summary: str = "",
    body: str = "",
    security: str = SecurityLevel.BIASA,
    urgency: str = Urgency.BIASA,
    classification_code: str = "",
    signer_position: Position | None = None,
    on_behalf_of: Position | None = None,
    parts: dict | None = None,
    reply_to: Letter | None = None,
    unit: Unit | None = None,
    event_start: dt.datetime | None = None,
    event_end: dt.datetime | None = None,
    event_location: str = "",
) -> Letter:
    """Start a draft with its recipients; the drafter gets view and change on it."""
    unit = unit or _drafting_unit(by)
    if unit.tenant_id != by.tenant_id:
        raise PermissionDenied
    letter = Letter(
        tenant_id=by.tenant_id,
        letter_type=letter_type,
        subject=subject,
        summary=summary,
        body=body,
        drafter=by,
        unit=unit,
        security=security,
        urgency=urgency,
        classification_code=classification_code,
        on_behalf_of=on_behalf_of,
        parts=parts or {},
        reply_to=reply_to,
        event_start=event_start,
        event_end=event_end,
        event_location=event_location,
    )
    letter.signer_position = signer_position or signer_propose(
        letter_type=letter_type, unit=unit, drafter=by
    )
    letter_fields_check(letter)
    rows = _recipients_check(letter, recipients)
    letter.save()
    Recipient.objects.bulk_create(rows)
    _version_save(letter, by)
    policy.grant_drafter(letter, by)
    transition_record(letter, "", action="letter.created", by=by, save=False)
    return letter


# The fields a draft's author writes as text or choices, and an invitation's event fields;
# the form, the API and `letter_update` build on them.
TEXT_FIELDS = ("subject", "summary", "body", "security", "urgency", "classification_code")
EVENT_FIELDS = ("event_start", "event_end", "event_location")
EDITABLE = (
    "letter_type",
    *TEXT_FIELDS,
    "signer_position",
    "on_behalf_of",
    "parts",
    "reply_to",
    *EVENT_FIELDS,
)


@transaction.atomic
def letter_update(
    *,
    letter: Letter,
    by: User,
    expected_version: int,
    recipients: list[RecipientInput] | None = None,
    **fields,
) -> Letter:
    """Edit a draft and keep the new version; StaleEdit when someone saved in between."""
    letter = row_lock(letter)
    if not policy.can_edit_letter(by, letter):
        if letter.state != LetterState.DRAFT:
            raise TransitionNotAllowed("only a draft can be edited")
        raise PermissionDenied
    if letter.version != expected_version:
        raise StaleEdit
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({f: _("This field cannot be edited.") for f in unknown})
    for name, value in fields.items():
        setattr(letter, name, value)
    if "parts" not in fields:  # keep what still fits the (new) type's layout
        letter.parts = layouts.parts_fit(layouts.layout_of(letter.letter_type), letter.parts)
    letter_fields_check(letter)
    if recipients is not None:
        rows = _recipients_check(letter, recipients)
        letter.recipients.all().delete()
        Recipient.objects.bulk_create(rows)
    letter.version += 1
    letter.save()
    _version_save(letter, by)
    return letter


# What autosave writes: the text the drafter is typing (the other fields are saved with the
# form, which checks them together).
AUTOSAVED = ("subject", "summary", "body")


@transaction.atomic
def letter_autosave(
    *, letter: Letter, by: User, expected_version: int, **fields: str
) -> tuple[Letter, bool]:
    """Save the text of a draft while it is typed; returns the letter and whether a version
    was made. Saving what is already there changes nothing (a retried request is harmless),
    and StaleEdit when the draft moved on since `expected_version`."""
    unknown = set(fields) - set(AUTOSAVED)
    if unknown:
        raise ValidationError({f: _("This field cannot be edited.") for f in unknown})
    locked = row_lock(letter)
    if not policy.can_edit_letter(by, locked):
        if locked.state != LetterState.DRAFT:
            raise TransitionNotAllowed("only a draft can be edited")
        raise PermissionDenied
    clean = {k: body_sanitize(v) if k == "body" else v for k, v in fields.items()}
    if all(getattr(locked, k) == v for k, v in clean.items()):
        return locked, False
    return letter_update(letter=locked, by=by, expected_version=expected_version, **clean), True


@transaction.atomic
def letter_version_restore(
    *, letter: Letter, by: User, number: int, expected_version: int
) -> Letter:
    """Bring back the text of an earlier version as a new version (nothing is lost); StaleEdit
    when the draft moved on since `expected_version`, LetterVersion.DoesNotExist for an
    unknown number."""
    old = LetterVersion.objects.get(letter=letter, number=number)
    return letter_update(
        letter=letter,
        by=by,
        expected_version=expected_version,
        subject=old.subject,
        summary=old.summary,
        body=old.body,
        parts=old.parts,
    )


@transaction.atomic
def attachment_add(
    *, letter: Letter, by: User, upload: UploadedFile, kind: str = AttachmentKind.ATTACHMENT
) -> Attachment:
    """Attach a checked file to a draft (or the scan of a letter signed on paper)."""
    letter = row_lock(letter)
    if kind == AttachmentKind.SCAN:
        if not policy.can_upload_scan(by, letter):
            raise PermissionDenied
        info = upload_inspect(upload, allowed=SCAN_TYPES)
    else:
        if not policy.can_edit_letter(by, letter):
            raise PermissionDenied
        info = upload_inspect(upload)
    return attachment_keep(letter, by, upload, info, kind)


def attachment_keep(
    letter: Letter, by: User, upload: UploadedFile, info: UploadInfo, kind: str
) -> Attachment:
    """Store an inspected upload (`info`) as one of the letter's files."""
    upload.seek(0)
    att = Attachment(letter=letter, kind=kind, uploaded_by=by, **info.stored_fields())
    att.file.save(stored_name(info), upload, save=False)
    att.save()
    return att


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    """Remove an attachment from a draft."""
    letter = Letter.objects.select_for_update().get(pk=attachment.letter_id)
    if not policy.can_edit_letter(by, letter):
        raise PermissionDenied
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def letter_cancel(*, letter: Letter, by: User) -> Letter:
    """The drafter abandons a draft; it is kept, cancelled, for the record."""
    letter = row_lock(letter)
    fired = transition_fire(letter, "cancel", by=by)
    transition_record(letter, fired, action="letter.cancelled", by=by)
    policy.revoke_drafter_change(letter)
    return letter


def changes_since_last_look(letter: Letter, user: User) -> str | None:
    """A unified diff of the body since this user's position last acted on the route."""
    seen = (
        ReviewStep.objects.filter(letter=letter, acted_by=user)
        .exclude(seen_version=0)
        .order_by("-acted_at")
        .values_list("seen_version", flat=True)
        .first()
    )
    if not seen or seen >= letter.version:
        return None
    old = LetterVersion.objects.filter(letter=letter, number=seen).first()
    if old is None:
        return None
    layout = layouts.layout_of(letter.letter_type)
    # The body as text lines (one per paragraph, list item, table row): the editor's HTML has
    # no line breaks of its own.
    before = [f"{_('Subject')}: {old.subject}", *body_lines(old.body), *_parts_lines(layout, old)]
    after = [
        f"{_('Subject')}: {letter.subject}",
        *body_lines(letter.body),
        *_parts_lines(layout, letter),
    ]
    return "\n".join(
        difflib.unified_diff(before, after, f"v{seen}", f"v{letter.version}", lineterm="")
    )


def _parts_lines(layout, version) -> list[str]:
    """A letter's (or a version's) structured parts as diff lines: "Diktum: …"."""
    lines = []
    for part in layouts.parts_read(layout, version.parts):
        text = part["lines"] or [strip_tags(part["html"])]
        lines += [f"{part['label']}: {line}" for line in text]
    return lines


def scan_file_for(letter: Letter) -> ContentFile | None:
    """The scan of a letter signed on paper or registered from paper, if any."""
    att = letter.attachments.filter(kind=AttachmentKind.SCAN).order_by("-id").first()
    return att.file if att else None
