"""Use cases of correspondence. Each is one transaction: lock, check, transition, save, log,
grant, and notify on commit. Errors: PermissionDenied (may see but not act), TransitionNotAllowed
(wrong state or unmet condition), StaleEdit (edited meanwhile), ValidationError (bad input)."""

from __future__ import annotations

import datetime as dt
import difflib
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import nh3
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.permissions import SecondFactorRequired
from core.tasks import enqueue_with_transaction
from core.uploads import SCAN_TYPES, stored_name, upload_inspect
from notifications.kinds import Kind
from notifications.services import Notice, notify, notify_many, object_changed
from organizations.choices import RoleKind
from organizations.models import Assignment, Position, Tenant, Unit, UnitRole, User
from organizations.selectors import unit_ancestor_heads
from workflows.choices import SecurityLevel, Urgency
from workflows.reach import Reach, reach_for
from workflows.services import security_event_record, transition_log, transition_log_many

from . import hooks, numbering, selectors, signing
from . import permissions as policy
from .choices import (
    AttachmentKind,
    DeliveryState,
    DispositionState,
    LetterScope,
    LetterState,
    RecipientKind,
    RecipientScope,
    ReservationState,
    SignerRule,
    SigningMode,
    StepKind,
    StepState,
)
from .models import (
    AddressBookEntry,
    Attachment,
    Comment,
    Delegation,
    Delivery,
    Disposition,
    DispositionInstruction,
    Letter,
    LetterType,
    LetterVersion,
    NumberReservation,
    Recipient,
    ReviewStep,
)
from .pdf.build import letter_pdf
from .querysets import delegated_position_ids, held_position_ids

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ol",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "h3",
    "h4",
    "blockquote",
}


class StaleEdit(Exception):
    """The draft was changed by someone else since the form was opened."""


@dataclass(frozen=True)
class RecipientInput:
    kind: str
    unit: Unit | None = None
    position: Position | None = None
    address: AddressBookEntry | None = None


# --- small helpers ---
def body_sanitize(html: str) -> str:
    """Keep only the formatting a naskah dinas needs; scripts, styles and links go."""
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes={}, url_schemes=set()).strip()


def tenant_today(tenant: Tenant) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def _lock(model, pk: int):
    return model.objects.select_for_update().get(pk=pk)


def _fire(obj, name: str, user, *args, **kwargs):
    """Run an FSM transition: wrong state or unmet condition → TransitionNotAllowed,
    a user the policy refuses → PermissionDenied. Changes the object in memory only."""
    bound = getattr(obj, name)
    meta = bound._django_fsm
    state = meta.field.get_state(obj)
    if not meta.has_transition(state):
        raise TransitionNotAllowed(f"{name} is not allowed from {state}")
    if user is not None and not meta.has_transition_perm(obj, state, user):
        raise PermissionDenied
    if not meta.conditions_met(obj, state):
        raise TransitionNotAllowed(f"{name}: conditions not met")
    source = state
    result = bound(*args, **kwargs)
    return source, result


def _log(obj, *, tenant_id: int, action: str, source, by, position=None, note: str = ""):
    target = getattr(obj, "state", "")
    behalf = None
    if position is not None and by is not None:
        behalf = _delegator_for(by, position)
    # People watching the letter page see its timeline refresh once this commits.
    letter_id = obj.pk if isinstance(obj, Letter) else obj.letter_id
    object_changed("letter", letter_id, action=action)
    transition_log(
        obj,
        tenant_id=tenant_id,
        action=action,
        source=source or "",
        target=target,
        actor=by,
        acting_position=position,
        on_behalf_of=behalf,
        note=note,
    )


def _delegator_for(user: User, position: Position) -> User | None:
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


def position_users(
    position_ids: Iterable[int], *, level: str | None = None, tenant_id: int | None = None
) -> list[User]:
    """Current holders of positions and those the positions' inboxes are delegated to (at a
    security `level` of `tenant_id` whose reach leaves delegates out: the holders only)."""
    ids = list(position_ids)
    if not ids:
        return []
    today = timezone.localdate()
    holders = Assignment.objects.current(today).filter(position_id__in=ids).values("user_id")
    people = Q(pk__in=holders)
    if level is None or reach_for(tenant_id)[level].delegates:
        delegates = Delegation.objects.filter(
            position_id__in=ids, start_date__lte=today, end_date__gte=today
        ).values("delegate_id")
        people |= Q(pk__in=delegates)
    return list(User.objects.filter(people, is_active=True))


def _delivery_handlers(delivery: Delivery) -> list[User]:
    return _handlers_by_delivery([delivery])[delivery.pk]


def _handlers_by_delivery(deliveries: list[Delivery]) -> dict[int, list[User]]:
    """Who is told of each delivery: the addressed post's holders (and delegates), or else the
    unit head's and the unit's registry clerks, as far as the delivery's level reaches
    (`workflows.reach`); four queries however many deliveries."""
    today = timezone.localdate()
    reach = {tenant_id: reach_for(tenant_id) for tenant_id in {d.tenant_id for d in deliveries}}
    open_units = {d.unit_id for d in deliveries if not d.position_id}
    heads: dict[int, list[int]] = defaultdict(list)
    for unit_id, pk in Position.objects.filter(
        unit_id__in=open_units, is_head=True, is_active=True
    ).values_list("unit_id", "pk"):
        heads[unit_id].append(pk)

    def reaches(d: Delivery) -> Reach:
        return reach[d.tenant_id][d.security]

    positions = {
        d.pk: [d.position_id]
        if d.position_id
        else (heads.get(d.unit_id, []) if reaches(d).unit_head else [])
        for d in deliveries
    }
    wanted = {p for ids in positions.values() for p in ids}
    holders: dict[int, set[int]] = defaultdict(set)
    for position_id, user_id in (
        Assignment.objects.current(today)
        .filter(position_id__in=wanted)
        .values_list("position_id", "user_id")
    ):
        holders[position_id].add(user_id)
    delegates: dict[int, set[int]] = defaultdict(set)
    for position_id, user_id in Delegation.objects.filter(
        position_id__in=wanted, start_date__lte=today, end_date__gte=today
    ).values_list("position_id", "delegate_id"):
        delegates[position_id].add(user_id)
    clerks: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in UnitRole.objects.filter(
        unit_id__in=open_units, kind=RoleKind.REGISTRY_CLERK
    ).values_list("unit_id", "user_id"):
        clerks[unit_id].add(user_id)
    ids: dict[int, set[int]] = {}
    for d in deliveries:
        r = reaches(d)
        people = set().union(*(holders[p] for p in positions[d.pk]))
        if r.delegates:
            people |= set().union(*(delegates[p] for p in positions[d.pk]))
        if not d.position_id and RoleKind.REGISTRY_CLERK in r.roles:
            people |= clerks[d.unit_id]
        ids[d.pk] = people
    users = User.objects.filter(is_active=True).in_bulk({u for v in ids.values() for u in v})
    return {pk: [users[u] for u in sorted(v) if u in users] for pk, v in ids.items()}


def notice_subject(letter: Letter) -> str:
    """A letter's subject as notifications, pushes and e-mails may show it: never for Rahasia
    and above (a notification lands on lock screens and in mailboxes)."""
    if letter.security in SecurityLevel.confidential():
        return _("%(level)s letter from %(unit)s") % {
            "level": letter.get_security_display(),
            "unit": letter.unit.label,
        }
    return letter.subject


def _letter_url(letter: Letter) -> str:
    return reverse("correspondence:letter", args=[letter.pk])


def _position_acting(user: User, candidates: Iterable[int]) -> Position | None:
    ids = list(candidates)
    return (
        Position.objects.filter(pk__in=ids)
        .filter(Q(pk__in=held_position_ids(user)) | Q(pk__in=delegated_position_ids(user)))
        .first()
    )


# --- letter types and defaults ---
DEFAULT_TYPES = [
    # code, name, scope, signer rule, creates_event, multiple signers
    ("surat_dinas", "Surat Dinas", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("nota_dinas", "Nota Dinas", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("undangan", "Surat Undangan", LetterScope.BOTH, SignerRule.UNIT_HEAD, True, False),
    ("surat_edaran", "Surat Edaran", LetterScope.BOTH, SignerRule.OPD_HEAD, False, False),
    ("surat_tugas", "Surat Tugas", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("memo", "Memo", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("surat_keterangan", "Surat Keterangan", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("surat_keputusan", "Surat Keputusan", LetterScope.BOTH, SignerRule.OPD_HEAD, False, False),
    ("berita_acara", "Berita Acara", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, True),
    ("surat_kuasa", "Surat Kuasa", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("telaahan_staf", "Telaahan Staf", LetterScope.INTERNAL, SignerRule.ANY_SIGNER, False, False),
]
DEFAULT_INSTRUCTIONS = [
    ("tindak_lanjuti", "Tindak lanjuti", False),
    ("pelajari", "Pelajari dan laporkan", False),
    ("hadiri", "Hadiri/wakili", True),
    ("siapkan_jawaban", "Siapkan jawaban", False),
    ("diketahui", "Untuk diketahui", False),
    ("arsipkan", "Arsipkan", False),
    ("koordinasikan", "Koordinasikan", False),
]


def letter_types_ensure_defaults(tenant: Tenant) -> int:
    """Create the standard letter types and instructions a tenant lacks; returns how many."""
    made = 0
    for order, (code, name, scope, rule, event, multi) in enumerate(DEFAULT_TYPES):
        _, created = LetterType.objects.get_or_create(
            tenant=tenant,
            code=code,
            defaults={
                "name": name,
                "scope": scope,
                "signer_rule": rule,
                "creates_event": event,
                "multiple_signers": multi,
                "sort_order": order * 10,
            },
        )
        made += created
    for order, (code, text, represents) in enumerate(DEFAULT_INSTRUCTIONS):
        _, created = DispositionInstruction.objects.get_or_create(
            tenant=tenant,
            code=code,
            defaults={"text": text, "represents": represents, "sort_order": order * 10},
        )
        made += created
    return made


def signer_propose(
    *, letter_type: LetterType, unit: Unit, drafter: User | None = None
) -> Position | None:
    """The nearest head up the tree from the drafter's unit who may sign this type, climbing
    past heads of units inside an OPD (seksi, bidang) until one leaves a head between to
    review (paraf); never past an OPD's head (the drafter then chooses a reviewer)."""
    mine = (
        set(held_position_ids(drafter).values_list("position_id", flat=True)) if drafter else set()
    )
    below: list[Position] = []
    first = None
    for head in unit_ancestor_heads(unit):
        if policy.signer_allowed(letter_type, head):
            first = first or head
            reviewed = bool(below) or (letter_type.direct_to_signer and head.pk not in mine)
            opd = head.unit.depth == 1 or head.unit.kind in policy.OPD_KINDS
            if reviewed or opd:
                return head
        if head.pk not in mine:
            below.append(head)
    return first


def route_propose(letter: Letter) -> list[Position]:
    """Default paraf chain: the heads from the drafter's unit up to (not including) the signer,
    nearest first, without the drafter's own posts, at most the tenant's maximum."""
    if letter.signer_position_id is None:
        return []
    signer_unit = letter.signer_position.unit
    mine = set(held_position_ids(letter.drafter).values_list("position_id", flat=True))
    route = []
    for head in unit_ancestor_heads(letter.unit):
        if head.pk == letter.signer_position_id or not head.unit.path.startswith(signer_unit.path):
            break
        if head.pk not in mine:
            route.append(head)
    return route[: letter.tenant.max_reviewers]


# --- drafts ---
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
        if scope == RecipientScope.EXTERNAL and letter.security == SecurityLevel.SANGAT_RAHASIA:
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


def _fields_check(letter: Letter) -> None:
    letter.body = body_sanitize(letter.body)
    if letter.letter_type.tenant_id != letter.tenant_id or not letter.letter_type.is_active:
        raise ValidationError({"letter_type": _("Unknown letter type.")})
    if letter.signer_position_id and not policy.signer_allowed(
        letter.letter_type, letter.signer_position
    ):
        raise ValidationError(
            {
                "signer_position": _("%(pos)s may not sign a %(type)s.")
                % {"pos": letter.signer_position, "type": letter.letter_type.name}
            }
        )
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
        reply_to=reply_to,
        event_start=event_start,
        event_end=event_end,
        event_location=event_location,
    )
    letter.signer_position = signer_position or signer_propose(
        letter_type=letter_type, unit=unit, drafter=by
    )
    _fields_check(letter)
    rows = _recipients_check(letter, recipients)
    letter.save()
    Recipient.objects.bulk_create(rows)
    _version_save(letter, by)
    policy.grant_drafter(letter, by)
    _log(letter, tenant_id=letter.tenant_id, action="letter.created", source="", by=by)
    return letter


EDITABLE = (
    "letter_type",
    "subject",
    "summary",
    "body",
    "security",
    "urgency",
    "classification_code",
    "signer_position",
    "reply_to",
    "event_start",
    "event_end",
    "event_location",
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
    letter = _lock(Letter, letter.pk)
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
    _fields_check(letter)
    if recipients is not None:
        rows = _recipients_check(letter, recipients)
        letter.recipients.all().delete()
        Recipient.objects.bulk_create(rows)
    letter.version += 1
    letter.save()
    _version_save(letter, by)
    return letter


@transaction.atomic
def attachment_add(
    *, letter: Letter, by: User, upload: UploadedFile, kind: str = AttachmentKind.ATTACHMENT
) -> Attachment:
    """Attach a checked file to a draft (or the scan of a letter signed on paper)."""
    letter = _lock(Letter, letter.pk)
    if kind == AttachmentKind.SCAN:
        if not policy.can_upload_scan(by, letter):
            raise PermissionDenied
        info = upload_inspect(upload, allowed=SCAN_TYPES)
    else:
        if not policy.can_edit_letter(by, letter):
            raise PermissionDenied
        info = upload_inspect(upload)
    upload.seek(0)
    att = Attachment(
        letter=letter,
        kind=kind,
        original_name=info.original_name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    att.file.save(stored_name(info), upload, save=False)
    att.save()
    return att


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    """Remove an attachment from a draft."""
    letter = _lock(Letter, attachment.letter_id)
    if not policy.can_edit_letter(by, letter):
        raise PermissionDenied
    attachment.file.delete(save=False)
    attachment.delete()


# --- review, signature, sending ---
@transaction.atomic
def letter_submit(
    *,
    letter: Letter,
    by: User,
    route: list[Position] | None = None,
    signers: list[Position] | None = None,
) -> Letter:
    """Send a draft along its paraf chain to its signer(s)."""
    letter = _lock(Letter, letter.pk)
    route = route_propose(letter) if route is None else route
    signers = signers or ([letter.signer_position] if letter.signer_position_id else [])
    if len(route) > letter.tenant.max_reviewers:
        raise ValidationError(
            {"route": _("At most %(n)s reviewers.") % {"n": letter.tenant.max_reviewers}}
        )
    if len(signers) > 1 and not letter.letter_type.multiple_signers:
        raise ValidationError({"signers": _("This letter type has one signer.")})
    for pos in [*route, *signers]:
        if pos.tenant_id != letter.tenant_id or not pos.is_active:
            raise ValidationError({"route": _("Unknown position.")})
    for pos in signers:
        if not policy.signer_allowed(letter.letter_type, pos):
            raise ValidationError({"signers": _("%s may not sign this letter.") % pos})
    if len({p.pk for p in [*route, *signers]}) != len(route) + len(signers):
        raise ValidationError({"route": _("A position appears twice in the route.")})
    _route_check(letter, route, signers)
    if letter.letter_type.creates_event and letter.event_start is None:
        # Its event is made from these fields when it is sent: an invitation without a day
        # and time would reach every calendar as nothing.
        raise ValidationError({"event_start": _("Give the day and time of the event.")})
    source, _state = _fire(letter, "submit", by, has_reviewers=bool(route))
    now = timezone.now()
    steps = [
        ReviewStep(letter=letter, round=letter.review_round, order=i, kind=kind, position=pos)
        for i, (kind, pos) in enumerate(
            [(StepKind.REVIEW, p) for p in route] + [(StepKind.SIGN, p) for p in signers]
        )
    ]
    steps[0].state, steps[0].reached_at = StepState.PENDING, now
    ReviewStep.objects.bulk_create(steps)
    letter.save()
    policy.revoke_drafter_change(letter)
    _log(letter, tenant_id=letter.tenant_id, action="letter.submitted", source=source, by=by)
    _notify_step(letter, steps[0])
    return letter


def review_needed(letter: Letter) -> bool:
    """Whether the letter needs a reviewer before its signer: always, unless its type goes
    straight to its signer and that signer is not a post of the drafter."""
    if not letter.letter_type.direct_to_signer:
        return True
    mine = set(held_position_ids(letter.drafter).values_list("position_id", flat=True))
    return letter.signer_position_id in mine


def _route_check(letter: Letter, route: list[Position], signers: list[Position]) -> None:
    """Nobody reviews their own letter: the paraf chain never holds a post of the drafter, and
    a letter goes straight to its signer only where its type allows it, to a signer who is
    not the drafter. Raises ValidationError."""
    if not signers:
        raise ValidationError({"signers": _("Choose who signs this letter.")})
    mine = set(held_position_ids(letter.drafter).values_list("position_id", flat=True))
    if any(p.pk in mine for p in route):
        raise ValidationError(
            {"route": _("You cannot review (paraf) your own letter: choose another reviewer.")}
        )
    if route:
        return
    if not letter.letter_type.direct_to_signer:
        message = _("%(type)s needs at least one reviewer (paraf) before it is signed.")
        raise ValidationError({"route": message % {"type": letter.letter_type.name}})
    if any(p.pk in mine for p in signers):
        raise ValidationError(
            {"signers": _("A letter without a reviewer cannot be signed by its own drafter.")}
        )


def _notify_step(letter: Letter, step: ReviewStep) -> None:
    kind = Kind.LETTER_REVIEW if step.kind == StepKind.REVIEW else Kind.LETTER_TO_SIGN
    text = (_("To review: %(s)s") if step.kind == StepKind.REVIEW else _("To sign: %(s)s")) % {
        "s": notice_subject(letter)
    }
    notify(position_users([step.position_id]), kind, letter, text=text, url=_letter_url(letter))


def _advance(letter: Letter, step: ReviewStep, by: User, note: str) -> ReviewStep | None:
    now = timezone.now()
    step.state, step.acted_at, step.acted_by = StepState.APPROVED, now, by
    step.note, step.seen_version = note, letter.version
    step.save()
    nxt = (
        ReviewStep.objects.filter(letter=letter, round=letter.review_round, order__gt=step.order)
        .order_by("order")
        .first()
    )
    if nxt is not None:
        nxt.state, nxt.reached_at = StepState.PENDING, now
        nxt.save(update_fields=["state", "reached_at"])
    return nxt


@transaction.atomic
def letter_approve(*, letter: Letter, by: User, note: str = "") -> Letter:
    """The current reviewer's paraf; the last one hands the letter to the signer."""
    letter = _lock(Letter, letter.pk)
    step = policy.current_step(letter)
    if step is None or step.kind != StepKind.REVIEW:
        raise TransitionNotAllowed("no review step is waiting")
    nxt_kind = (
        ReviewStep.objects.filter(letter=letter, round=letter.review_round, order=step.order + 1)
        .values_list("kind", flat=True)
        .first()
    )
    source, _state = _fire(letter, "approve", by, last=nxt_kind == StepKind.SIGN)
    nxt = _advance(letter, step, by, note)
    letter.save()
    _log(
        letter,
        tenant_id=letter.tenant_id,
        action="letter.approved",
        source=source,
        by=by,
        position=step.position,
        note=note,
    )
    if nxt is not None:
        _notify_step(letter, nxt)
    return letter


def _close_round(letter: Letter, acting: ReviewStep, by: User, note: str, state: str) -> None:
    now = timezone.now()
    if acting is not None:
        acting.state, acting.acted_at, acting.acted_by = state, now, by
        acting.note, acting.seen_version = note, letter.version
        acting.save()
    ReviewStep.objects.filter(
        letter=letter, round=letter.review_round, state__in=[StepState.WAITING, StepState.PENDING]
    ).update(state=StepState.WITHDRAWN)


@transaction.atomic
def letter_return(*, letter: Letter, by: User, note: str) -> Letter:
    """A reviewer or signer sends the letter back to the drafter with a note."""
    letter = _lock(Letter, letter.pk)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what needs to change.")})
    step = policy.current_step(letter)
    source, _state = _fire(letter, "return_to_drafter", by)
    _close_round(letter, step, by, note, StepState.RETURNED)
    letter.save()
    policy.restore_drafter_change(letter)
    _log(
        letter,
        tenant_id=letter.tenant_id,
        action="letter.returned",
        source=source,
        by=by,
        position=step.position if step else None,
        note=note,
    )
    notify(
        [letter.drafter],
        Kind.LETTER_RETURNED,
        letter,
        text=_("Returned: %(s)s") % {"s": notice_subject(letter)},
        url=_letter_url(letter),
    )
    return letter


@transaction.atomic
def letter_withdraw(*, letter: Letter, by: User) -> Letter:
    """The drafter pulls a letter back from review or signature to edit it."""
    letter = _lock(Letter, letter.pk)
    source, _state = _fire(letter, "withdraw", by)
    _close_round(letter, None, by, "", StepState.WITHDRAWN)
    letter.save()
    policy.restore_drafter_change(letter)
    _log(letter, tenant_id=letter.tenant_id, action="letter.withdrawn", source=source, by=by)
    return letter


@transaction.atomic
def letter_cancel(*, letter: Letter, by: User) -> Letter:
    """The drafter abandons a draft; it is kept, cancelled, for the record."""
    letter = _lock(Letter, letter.pk)
    source, _state = _fire(letter, "cancel", by)
    letter.save()
    policy.revoke_drafter_change(letter)
    _log(letter, tenant_id=letter.tenant_id, action="letter.cancelled", source=source, by=by)
    return letter


@transaction.atomic
def letter_sign(
    *, letter: Letter, by: User, mode: str = SigningMode.ELECTRONIC, note: str = ""
) -> Letter:
    """The current signer signs; the last signature numbers the letter (gapless, locked)."""
    letter = _lock(Letter, letter.pk)
    if mode not in SigningMode.values:
        raise ValidationError({"mode": _("Unknown signing mode.")})
    step = policy.current_step(letter)
    if step is None or step.kind != StepKind.SIGN:
        raise TransitionNotAllowed("no signature is waiting")
    last = not ReviewStep.objects.filter(
        letter=letter, round=letter.review_round, order__gt=step.order
    ).exists()
    electronic = mode == SigningMode.ELECTRONIC
    source, _state = _fire(letter, "sign", by, last=last, mode=mode, by=by, position=step.position)
    if electronic:
        signing.adapter().check(by)  # a co-signer without a certificate hears it now
    nxt = _advance(letter, step, by, note)
    if last:
        _number(letter)
        if electronic:
            # Rendered and signed inside this transaction: a failure rolls back the number and
            # the state together, so a letter is never half-signed.
            _seal(letter)
    letter.sign_pending_since, letter.sign_error = None, ""
    letter.save()
    _log(
        letter,
        tenant_id=letter.tenant_id,
        action="letter.signed" if last else "letter.cosigned",
        source=source,
        by=by,
        position=step.position,
        note=note,
    )
    if nxt is not None:
        _notify_step(letter, nxt)
    else:
        notify(
            [letter.drafter],
            Kind.LETTER_SIGNED,
            letter,
            text=_("Signed: %(s)s") % {"s": notice_subject(letter)},
            url=_letter_url(letter),
        )
    return letter


# A background signature that has not finished after this long may be asked for again.
SIGN_PATIENCE = dt.timedelta(minutes=5)


def _seal(letter: Letter) -> None:
    """Render the official PDF and sign it with each signer's key, in signing order."""
    letter.verify_token = secrets.token_urlsafe(32)
    pdf = letter_pdf(letter)
    signers = [
        s.acted_by
        for s in letter.steps.filter(round=letter.review_round, kind=StepKind.SIGN)
        .select_related("acted_by")
        .order_by("order")
    ]
    engine = signing.adapter()
    for i, user in enumerate(signers, start=1):
        pdf = engine.sign(
            pdf,
            user=user,
            field_name=f"TTE{i}",
            reason=f"Penandatanganan naskah dinas {letter.number}",
            location=letter.tenant.city,
        )
    letter.pdf.save(f"{letter.tenant.slug}-{letter.pk}.pdf", ContentFile(pdf), save=False)
    letter.pdf_sha256 = signing.sha256(pdf)


@transaction.atomic
def letter_sign_request(
    *,
    letter: Letter,
    by: User,
    password: str,
    second_factor: bool = False,
    mode: str = SigningMode.ELECTRONIC,
    note: str = "",
) -> Letter:
    """The signer confirms with their password (and a verified second factor); paper signing
    happens now, an electronic signature is prepared in the background. Raises
    PermissionDenied (also SecondFactorRequired), ValidationError (wrong password, no usable
    certificate) or TransitionNotAllowed (not waiting for a signature, already being signed)."""
    letter = _lock(Letter, letter.pk)
    if letter.state != LetterState.APPROVED:
        raise TransitionNotAllowed(_("This letter is not waiting for a signature."))
    if not policy.can_sign_letter(by, letter):
        raise PermissionDenied
    # Whoever signs has verified a second factor in this session (or with this request's
    # code): the signing rule that lets them sign is the rule that makes them need one.
    if not second_factor:
        raise SecondFactorRequired(
            _("Signing needs two-step verification: confirm the code from your authenticator.")
        )
    # The module-level check never rehashes: a rehash saved here would change the session's
    # auth hash and log the signer out (an older hash is renewed at the next login instead).
    if not check_password(password or "", by.password):
        raise ValidationError(
            {
                "password": _(
                    "The password is not right. Type the password you log in with; "
                    "nothing was signed."
                )
            }
        )
    if mode not in SigningMode.values:
        raise ValidationError({"mode": _("Unknown signing mode.")})
    if mode != SigningMode.ELECTRONIC:
        return letter_sign(letter=letter, by=by, mode=mode, note=note)
    if letter.sign_pending_since and timezone.now() - letter.sign_pending_since < SIGN_PATIENCE:
        raise TransitionNotAllowed(_("This letter is already being signed."))
    try:
        signing.adapter().check(by)
    except signing.SigningError as exc:
        raise ValidationError({"password": exc.message}) from None
    letter.sign_pending_since, letter.sign_error = timezone.now(), ""
    letter.save(update_fields=["sign_pending_since", "sign_error", "updated_at"])
    object_changed("letter", letter.pk, action="letter.signing")
    from .tasks import letter_sign_task

    enqueue_with_transaction(letter_sign_task, letter.pk, by.pk, note)
    return letter


@transaction.atomic
def letter_sign_failed(*, letter_id: int, by: User, message: str) -> None:
    """Record why a background signature failed; the letter stays approved and unnumbered.
    Nothing is recorded when no background signature is pending any more (a second run of
    the task after the first signed, or a failure already told)."""
    letter = _lock(Letter, letter_id)
    if letter.sign_pending_since is None:
        return
    letter.sign_pending_since, letter.sign_error = None, message[:500]
    letter.save(update_fields=["sign_pending_since", "sign_error", "updated_at"])
    object_changed("letter", letter.pk, action="letter.sign_failed")
    notify(
        [by],
        Kind.LETTER_TO_SIGN,
        letter,
        text=_("Signing failed: %(s)s") % {"s": notice_subject(letter)},
        url=_letter_url(letter),
    )


def _number(letter: Letter) -> None:
    # The number comes from the register of the signing unit (the OPD), not the drafter's seksi.
    today = tenant_today(letter.tenant)
    unit = letter.signed_as.unit
    key = numbering.letter_key(
        tenant_id=letter.tenant_id,
        unit_id=unit.pk,
        type_id=letter.letter_type_id,
        year=today.year,
    )
    seq = numbering.counter_take(tenant_id=letter.tenant_id, key=key)
    letter.number_seq, letter.number_year, letter.number_unit = seq, today.year, unit
    letter.number = numbering.number_format(
        letter.letter_type.number_pattern or letter.tenant.number_pattern,
        seq=seq,
        classification=letter.classification_code,
        unit_code=unit.code,
        type_code=letter.letter_type.code,
        on=today,
    )


def _agenda(delivery: Delivery, unit: Unit, today: dt.date) -> None:
    seq = numbering.counter_take(
        tenant_id=unit.tenant_id, key=numbering.agenda_key(unit_id=unit.pk, year=today.year)
    )
    delivery.agenda_year, delivery.agenda_seq = today.year, seq
    delivery.agenda_number = f"{seq}/{unit.code}/{today.year}"


def _confidential_heads(letter: Letter, recipients: list[Recipient]) -> dict[int, Position]:
    """A confidential letter to a unit goes to its head's post, never to the unit inbox."""
    if not letter.is_confidential:
        return {}
    heads: dict[int, Position] = {}
    units = {r.unit_id for r in recipients if r.position_id is None}
    for p in Position.objects.filter(unit_id__in=units, is_head=True, is_active=True):
        heads.setdefault(p.unit_id, p)  # the first in the default order, as `.first()`
    return heads


def _agenda_many(deliveries: list[Delivery]) -> None:
    """Agenda numbers for a send's deliveries, each in its unit's register for the year of
    its tenant's today; counters taken per tenant in one locked batch."""
    by_tenant: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_tenant[d.unit.tenant_id].append(d)
    for tenant_id, rows in sorted(by_tenant.items()):
        year = tenant_today(rows[0].unit.tenant).year
        keys = [numbering.agenda_key(unit_id=d.unit_id, year=year) for d in rows]
        taken = numbering.counters_take(tenant_id=tenant_id, counts=Counter(keys))
        for d, key in zip(rows, keys, strict=True):
            seq = taken[key]
            taken[key] += 1
            d.agenda_year, d.agenda_seq = year, seq
            d.agenda_number = f"{seq}/{d.unit.code}/{year}"


@transaction.atomic
def letter_send(*, letter: Letter, by: User) -> Letter:
    """Deliver a signed letter: one delivery per recipient unit or position, each with an
    agenda number in the receiving unit, all in this transaction."""
    letter = _lock(Letter, letter.pk)
    source, _state = _fire(letter, "send", by)
    letter.save()
    recipients = list(
        letter.recipients.filter(unit__isnull=False).select_related("unit__tenant", "position")
    )
    deliveries = []
    heads = _confidential_heads(letter, recipients)
    for r in sorted(recipients, key=lambda r: (r.unit_id, r.pk)):
        deliveries.append(
            Delivery(
                tenant_id=r.unit.tenant_id,
                letter=letter,
                recipient=r,
                unit=r.unit,
                position=r.position or heads.get(r.unit_id),
                kind=r.kind,
                security=letter.security,
                urgency=letter.urgency,
                delivered_at=letter.sent_at,
            )
        )
    _agenda_many(deliveries)
    deliveries = Delivery.objects.bulk_create(deliveries)
    by_tenant: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_tenant[d.tenant_id].append(d)
    for tenant_id, rows in by_tenant.items():
        transition_log_many(
            rows,
            tenant_id=tenant_id,
            action="delivery.delivered",
            target=DeliveryState.DELIVERED,
            actor=by,
        )
    _log(letter, tenant_id=letter.tenant_id, action="letter.sent", source=source, by=by)
    subject = notice_subject(letter)
    text = _("New letter from %(unit)s: %(s)s") % {"unit": letter.unit.label, "s": subject}
    handlers = _handlers_by_delivery(deliveries)
    notify_many(
        Kind.DELIVERY_RECEIVED,
        [Notice(handlers[d.pk], d, text, _letter_url(letter)) for d in deliveries],
    )
    notify(
        [letter.drafter],
        Kind.LETTER_SENT,
        letter,
        text=_("Sent: %(s)s") % {"s": subject},
        url=_letter_url(letter),
    )
    hooks.letter_sent(letter, deliveries, by=by)
    return letter


@transaction.atomic
def letter_retract(*, letter: Letter, by: User, reason: str) -> Letter:
    """The signer withdraws a sent letter with a reason; it keeps its number; every recipient
    is told."""
    letter = _lock(Letter, letter.pk)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for retracting.")})
    source, _state = _fire(letter, "retract", by, reason=reason)
    letter.save()
    handlers: list[User] = []
    for d in Delivery.objects.select_for_update().filter(letter=letter):
        if d.state not in (DeliveryState.DONE, DeliveryState.RETRACTED):
            d_source, _r = _fire(d, "withdraw_by_sender", None)
            d.save()
            _log(d, tenant_id=d.tenant_id, action="delivery.retracted", source=d_source, by=by)
        handlers += _delivery_handlers(d)
    assignees: dict[tuple[int, str], list[int]] = defaultdict(list)
    for tenant_id, security, post in Disposition.objects.filter(letter=letter).values_list(
        "tenant_id", "delivery__security", "to_position_id"
    ):
        assignees[(tenant_id, security)].append(post)
    for (tenant_id, security), posts in assignees.items():
        handlers += position_users(posts, level=security, tenant_id=tenant_id)
    _log(
        letter,
        tenant_id=letter.tenant_id,
        action="letter.retracted",
        source=source,
        by=by,
        position=letter.signed_as,
        note=reason,
    )
    notify(
        handlers,
        Kind.LETTER_RETRACTED,
        letter,
        text=_("Retracted: %(s)s") % {"s": notice_subject(letter)},
        url=_letter_url(letter),
    )
    hooks.letter_retracted(letter, reason=reason, by=by)
    return letter


@transaction.atomic
def letter_close(*, letter: Letter, by: User) -> Letter:
    """The drafter or signer closes a sent letter: it is filed in the archive (in the
    background, after commit). Raises PermissionDenied if it may not be closed (again)."""
    letter = _lock(Letter, letter.pk)
    if not policy.can_close_letter(by, letter):
        raise PermissionDenied
    letter.closed_at = timezone.now()
    letter.save(update_fields=["closed_at", "updated_at"])
    _log(letter, tenant_id=letter.tenant_id, action="letter.closed", source=letter.state, by=by)
    hooks.letter_finished(letter)
    return letter


@transaction.atomic
def letter_reschedule(
    *,
    letter: Letter,
    by: User,
    event_start: dt.datetime,
    event_end: dt.datetime | None,
    event_location: str,
) -> Letter:
    """Move a sent invitation to another time or place: the letter's details change (logged
    with the old and new time) and its events move, each attendee told once. The signed PDF
    keeps the time it was signed with."""
    letter = _lock(Letter, letter.pk)
    if not policy.can_reschedule_letter(by, letter):
        if letter.state != LetterState.SENT or not letter.letter_type.creates_event:
            raise TransitionNotAllowed("only a sent invitation can be rescheduled")
        raise PermissionDenied
    if event_start is None:
        raise ValidationError({"event_start": _("Give the new start.")})
    if event_end is not None and event_end <= event_start:
        raise ValidationError({"event_end": _("The event must end after it starts.")})
    location = (event_location or "").strip()[:200]
    before = (letter.event_start, letter.event_end, letter.event_location)
    if before == (event_start, event_end, location):
        return letter
    zone = ZoneInfo(letter.tenant.time_zone)
    note = _("%(old)s → %(new)s") % {
        "old": f"{timezone.localtime(before[0], zone):%Y-%m-%d %H:%M} {before[2]}".strip(),
        "new": f"{timezone.localtime(event_start, zone):%Y-%m-%d %H:%M} {location}".strip(),
    }
    letter.event_start, letter.event_end, letter.event_location = event_start, event_end, location
    letter.save(update_fields=["event_start", "event_end", "event_location", "updated_at"])
    _log(
        letter,
        tenant_id=letter.tenant_id,
        action="letter.rescheduled",
        source=letter.state,
        by=by,
        note=note,
    )
    hooks.letter_rescheduled(letter, by=by)
    return letter


@transaction.atomic
def recipient_mark_dispatched(*, recipient: Recipient, by: User) -> Recipient:
    """The clerk records that the signed PDF went to an addressee off the platform."""
    letter = recipient.letter
    if recipient.scope != RecipientScope.EXTERNAL or not policy.can_dispatch_external(by, letter):
        raise PermissionDenied
    recipient = _lock(Recipient, recipient.pk)
    if recipient.dispatched_at is None:
        recipient.dispatched_at, recipient.dispatched_by = timezone.now(), by
        recipient.save(update_fields=["dispatched_at", "dispatched_by"])
        _log(
            letter,
            tenant_id=letter.tenant_id,
            action="letter.dispatched",
            source="",
            by=by,
            note=str(recipient),
        )
    return recipient


# --- opening, inbox, disposition ---
def letter_opened(*, letter: Letter, by: User, ip: str | None = None, agent: str = "") -> None:
    """Record that a user opened a letter: first-read receipts of the deliveries they handle,
    and an audited open for Rahasia and Sangat Rahasia letters."""
    now = timezone.now()
    unread = Delivery.objects.handled_by(by).filter(letter=letter, state=DeliveryState.DELIVERED)
    # Most opens are of letters already read: those take no row lock and write no receipt.
    with transaction.atomic():  # receipts and the audited open together, or neither
        if unread.exists():
            _deliveries_read(letter, by)
        _confidential_access(
            letter, by, "letter.opened", ip, agent, security=letter.security, at=now.isoformat()
        )


def _deliveries_read(letter: Letter, by: User) -> None:
    for d in Delivery.objects.select_for_update().filter(
        pk__in=Delivery.objects.handled_by(by).filter(letter=letter).values("pk"),
        state=DeliveryState.DELIVERED,  # tested again under the lock: one receipt per delivery
    ):
        source, _state = _fire(d, "open", by, by=by)
        d.save()
        _log(d, tenant_id=d.tenant_id, action="delivery.read", source=source, by=by)


def _confidential_access(letter: Letter, by: User, kind: str, ip, agent, **detail) -> None:
    # Opening or downloading a Rahasia or Sangat Rahasia letter is itself a security event.
    if letter.is_confidential:
        security_event_record(
            kind=kind,
            tenant_id=by.tenant_id,
            user=by,
            target=letter,
            detail=detail,
            ip_address=ip,
            user_agent=agent,
        )


def attachment_downloaded(
    *, attachment: Attachment, by: User, ip: str | None = None, agent: str = ""
) -> None:
    """Audit the download of a confidential letter's file."""
    _confidential_access(
        attachment.letter,
        by,
        "attachment.downloaded",
        ip,
        agent,
        attachment=attachment.pk,
        name=attachment.original_name,
    )


def letter_pdf_downloaded(*, letter: Letter, by: User, ip: str | None = None, agent: str = ""):
    """Audit the download of a confidential letter's signed PDF."""
    _confidential_access(letter, by, "letter.pdf_downloaded", ip, agent, number=letter.number)


@transaction.atomic
def delivery_finish(*, delivery: Delivery, by: User) -> Delivery:
    """The head closes a delivery once it has been acted on."""
    delivery = _lock(Delivery, delivery.pk)
    source, _state = _fire(delivery, "finish", by)
    delivery.save()
    _log(delivery, tenant_id=delivery.tenant_id, action="delivery.done", source=source, by=by)
    hooks.delivery_done(delivery, by=by)
    return delivery


def _instructions_check(tenant_id: int, codes: list[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    known = set(
        DispositionInstruction.objects.filter(
            tenant_id=tenant_id, code__in=codes, is_active=True
        ).values_list("code", flat=True)
    )
    if not codes or known != set(codes):
        raise ValidationError({"instructions": _("Choose instructions from the list.")})
    return codes


@transaction.atomic
def disposition_create(
    *,
    delivery: Delivery,
    by: User,
    to_positions: list[Position],
    instructions: list[str],
    note: str = "",
    due_date: dt.date | None = None,
    urgency: str = Urgency.BIASA,
    parent: Disposition | None = None,
    prepare: bool = False,
) -> list[Disposition]:
    """Disposition a delivery (or pass a disposition further down) to positions below, one
    disposition per position; the TU may `prepare` one for the head to confirm."""
    delivery = _lock(Delivery, delivery.pk)
    if parent is not None:
        parent = _lock(Disposition, parent.pk)
        if parent.delivery_id != delivery.pk or not policy.can_disposition_further(by, parent):
            raise PermissionDenied
        issued_as = parent.to_position
    elif prepare:
        if not policy.can_prepare_disposition(by, delivery):
            raise PermissionDenied
        issued_as = delivery.position or Position.objects.get(
            unit_id=delivery.unit_id, is_head=True, is_active=True
        )
    else:
        if delivery.state in (DeliveryState.DONE, DeliveryState.RETRACTED):
            raise TransitionNotAllowed("the delivery is closed")
        if not policy.can_disposition_delivery(by, delivery):
            raise PermissionDenied
        issued_as = delivery.position or Position.objects.get(
            unit_id=delivery.unit_id, is_head=True, is_active=True
        )
    codes = _instructions_check(delivery.tenant_id, instructions)
    allowed = {p.pk for p in policy.positions_below(issued_as)}
    targets = list(dict.fromkeys(to_positions))
    if not targets or any(p.pk not in allowed for p in targets):
        raise ValidationError({"to_positions": _("Choose positions below yours.")})
    if due_date is not None and due_date < tenant_today(delivery.unit.tenant):
        raise ValidationError({"due_date": _("The due date has passed.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    now = timezone.now()
    made = []
    for pos in targets:
        d = Disposition(
            tenant_id=delivery.tenant_id,
            delivery=delivery,
            letter_id=delivery.letter_id,
            parent=parent,
            issued_by=None if prepare else by,
            issued_as=issued_as,
            prepared_by=by if prepare else None,
            to_position=pos,
            instructions=codes,
            note=note,
            due_date=due_date,
            urgency=urgency,
            security=delivery.security,
            state=DispositionState.PREPARED if prepare else DispositionState.ISSUED,
            issued_at=None if prepare else now,
        )
        d.save()
        _log(
            d,
            tenant_id=d.tenant_id,
            action="disposition.prepared" if prepare else "disposition.created",
            source="",
            by=by,
            position=issued_as,
            note=note,
        )
        made.append(d)
    if not prepare:
        _delivery_start(delivery, by, issued_as)
        for d in made:
            _disposition_issued(d, by)
    else:
        notify(
            position_users([issued_as.pk], level=delivery.security, tenant_id=delivery.tenant_id),
            Kind.DISPOSITION_RECEIVED,
            delivery,
            text=_("Disposition prepared for you to confirm: %(s)s")
            % {"s": notice_subject(delivery.letter)},
            url=_letter_url(delivery.letter),
        )
    return made


def _delivery_start(delivery: Delivery, by: User, position: Position) -> None:
    if delivery.state in (DeliveryState.DELIVERED, DeliveryState.READ):
        source, _state = _fire(delivery, "start", None)
        if delivery.first_read_at is None:
            delivery.first_read_at, delivery.first_read_by = timezone.now(), by
        delivery.save()
        _log(
            delivery,
            tenant_id=delivery.tenant_id,
            action="delivery.started",
            source=source,
            by=by,
            position=position,
        )


def _disposition_issued(d: Disposition, by: User) -> None:
    letter = d.letter
    notify(
        position_users([d.to_position_id], level=d.delivery.security, tenant_id=d.tenant_id),
        Kind.DISPOSITION_RECEIVED,
        d,
        text=_("Disposition: %(s)s") % {"s": notice_subject(letter)},
        url=_letter_url(letter),
    )
    hooks.disposition_issued(d, by=by)


@transaction.atomic
def disposition_confirm(*, disposition: Disposition, by: User) -> Disposition:
    """The head confirms a disposition the TU prepared."""
    disposition = _lock(Disposition, disposition.pk)
    source, _state = _fire(disposition, "confirm", by, by=by)
    disposition.save()
    _log(
        disposition,
        tenant_id=disposition.tenant_id,
        action="disposition.confirmed",
        source=source,
        by=by,
        position=disposition.issued_as,
    )
    _delivery_start(_lock(Delivery, disposition.delivery_id), by, disposition.issued_as)
    _disposition_issued(disposition, by)
    return disposition


@transaction.atomic
def disposition_open(*, disposition: Disposition, by: User) -> Disposition:
    """The assignee reads a disposition (first read only)."""
    disposition = _lock(Disposition, disposition.pk)
    if disposition.state != DispositionState.ISSUED:
        return disposition
    source, _state = _fire(disposition, "open", by, by=by)
    disposition.save()
    _log(
        disposition,
        tenant_id=disposition.tenant_id,
        action="disposition.read",
        source=source,
        by=by,
        position=disposition.to_position,
    )
    return disposition


@transaction.atomic
def disposition_report(
    *, disposition: Disposition, by: User, text: str, upload: UploadedFile | None = None
) -> Disposition:
    """The assignee reports back (laporan tindak lanjut) to whoever issued it."""
    disposition = _lock(Disposition, disposition.pk)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write what was done.")})
    info = upload_inspect(upload) if upload is not None else None
    source, _state = _fire(disposition, "report", by, by=by, text=text)
    if info is not None:
        upload.seek(0)
        disposition.report_file.save(stored_name(info), upload, save=False)
        disposition.report_file_name = info.original_name
    disposition.save()
    _log(
        disposition,
        tenant_id=disposition.tenant_id,
        action="disposition.reported",
        source=source,
        by=by,
        position=disposition.to_position,
        note=text,
    )
    issuer = [disposition.issued_by] if disposition.issued_by else []
    notify(
        issuer
        or position_users(
            [disposition.issued_as_id],
            level=disposition.delivery.security,
            tenant_id=disposition.tenant_id,
        ),
        Kind.DISPOSITION_REPORTED,
        disposition,
        text=_("Reported: %(s)s") % {"s": notice_subject(disposition.letter)},
        url=_letter_url(disposition.letter),
    )
    return disposition


@transaction.atomic
def disposition_cancel(*, disposition: Disposition, by: User) -> Disposition:
    """The issuer cancels a disposition that has not been read yet."""
    disposition = _lock(Disposition, disposition.pk)
    source, _state = _fire(disposition, "cancel", by)
    disposition.save()
    _log(
        disposition,
        tenant_id=disposition.tenant_id,
        action="disposition.cancelled",
        source=source,
        by=by,
        position=disposition.issued_as,
    )
    return disposition


@transaction.atomic
def comment_add(*, letter: Letter, by: User, text: str) -> Comment:
    """Add a comment to a letter the user may see."""
    if not policy.can_comment_letter(by, letter):
        raise PermissionDenied
    if not (text or "").strip():
        raise ValidationError({"text": _("Write a comment.")})
    comment = Comment.objects.create(letter=letter, author=by, text=text.strip()[:4000])
    object_changed("letter", letter.pk, action="comment")
    return comment


def disposition_due_notify(*, now: dt.datetime | None = None) -> int:
    """Tell assignees once when a disposition falls due soon and once when it is overdue, by
    each tenant's own date. Returns how many dispositions were notified."""
    now = now or timezone.now()
    count = 0
    for tenant in Tenant.objects.all():
        today = timezone.localtime(now, ZoneInfo(tenant.time_zone)).date()
        for kind, text in (
            (Kind.OVERDUE, _("Overdue: %(s)s (due %(d)s)")),
            (Kind.DUE_SOON, _("Due soon: %(s)s (due %(d)s)")),
        ):
            field = "overdue_notified_at" if kind == Kind.OVERDUE else "due_soon_notified_at"
            for d in selectors.dispositions_due_unnotified(
                tenant_id=tenant.pk, kind=kind, today=today
            ):
                with transaction.atomic():
                    # Claim first: a second sweep running at once updates nothing and skips.
                    claimed = Disposition.objects.filter(pk=d.pk, **{field: None}).update(
                        **{field: now}
                    )
                    if not claimed:
                        continue
                    notify(
                        position_users(
                            [d.to_position_id], level=d.delivery.security, tenant_id=d.tenant_id
                        ),
                        kind,
                        d,
                        text=text
                        % {"s": notice_subject(d.letter), "d": d.due_date.strftime("%d-%m-%Y")},
                        url=_letter_url(d.letter),
                    )
                count += 1
    return count


# --- incoming paper, reserved numbers, delegation ---
@transaction.atomic
def incoming_register(
    *,
    unit: Unit,
    by: User,
    sender_name: str,
    subject: str,
    received_date: dt.date,
    scan: UploadedFile,
    sender_number: str = "",
    sender_date: dt.date | None = None,
    classification_code: str = "",
    security: str = SecurityLevel.BIASA,
    urgency: str = Urgency.BIASA,
    letter_type: LetterType | None = None,
    addressed_position: Position | None = None,
) -> Delivery:
    """Register a letter that came in on paper or by e-mail: it enters the unit's inbox with an
    agenda number, its scan attached."""
    if not policy.can_register_incoming(by, unit):
        raise PermissionDenied
    if addressed_position is not None and addressed_position.unit_id != unit.pk:
        raise ValidationError({"addressed_position": _("Choose a position of this unit.")})
    info = upload_inspect(scan, allowed=SCAN_TYPES)
    letter_type = letter_type or LetterType.objects.filter(tenant_id=unit.tenant_id).first()
    if received_date > tenant_today(unit.tenant):
        raise ValidationError({"received_date": _("The received date is in the future.")})
    letter = Letter(
        tenant_id=unit.tenant_id,
        letter_type=letter_type,
        subject=subject,
        drafter=by,
        unit=unit,
        security=security,
        urgency=urgency,
        classification_code=classification_code,
        is_incoming=True,
        sender_name=sender_name,
        sender_number=sender_number,
        sender_date=sender_date,
        received_date=received_date,
        state=LetterState.REGISTERED,
        sent_at=timezone.now(),
    )
    _fields_check(letter)
    if not sender_name.strip():
        raise ValidationError({"sender_name": _("Name the sender.")})
    letter.save()
    scan.seek(0)
    att = Attachment(
        letter=letter,
        kind=AttachmentKind.SCAN,
        original_name=info.original_name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    att.file.save(stored_name(info), scan, save=False)
    att.save()
    position = addressed_position
    if position is None and letter.is_confidential:
        position = Position.objects.filter(unit=unit, is_head=True, is_active=True).first()
    d = Delivery(
        tenant_id=unit.tenant_id,
        letter=letter,
        unit=unit,
        position=position,
        kind=RecipientKind.TO,
        security=security,
        urgency=urgency,
        delivered_at=letter.sent_at,
    )
    _agenda(d, unit, tenant_today(unit.tenant))
    d.save()
    _log(letter, tenant_id=letter.tenant_id, action="letter.registered", source="", by=by)
    _log(d, tenant_id=d.tenant_id, action="delivery.delivered", source="", by=by)
    notify(
        _delivery_handlers(d),
        Kind.DELIVERY_RECEIVED,
        d,
        text=_("New letter from %(unit)s: %(s)s")
        % {"unit": sender_name, "s": notice_subject(letter)},
        url=_letter_url(letter),
    )
    return d


@transaction.atomic
def numbers_reserve(
    *,
    unit: Unit,
    letter_type: LetterType,
    count: int,
    by: User,
    reason: str = "",
    classification_code: str = "",
) -> list[NumberReservation]:
    """Take a block of numbers from the same gapless sequence for letters made by hand."""
    if not policy.can_reserve_numbers(by, unit) or letter_type.tenant_id != unit.tenant_id:
        raise PermissionDenied
    if not 1 <= count <= 100:
        raise ValidationError({"count": _("Reserve between 1 and 100 numbers.")})
    today = tenant_today(unit.tenant)
    key = numbering.letter_key(
        tenant_id=unit.tenant_id, unit_id=unit.pk, type_id=letter_type.pk, year=today.year
    )
    first = numbering.counter_take(tenant_id=unit.tenant_id, key=key, count=count)
    pattern = letter_type.number_pattern or unit.tenant.number_pattern
    rows = [
        NumberReservation(
            tenant_id=unit.tenant_id,
            unit=unit,
            letter_type=letter_type,
            year=today.year,
            seq=seq,
            number=numbering.number_format(
                pattern,
                seq=seq,
                classification=classification_code,
                unit_code=unit.code,
                type_code=letter_type.code,
                on=today,
            ),
            reason=reason,
            reserved_by=by,
        )
        for seq in range(first, first + count)
    ]
    NumberReservation.objects.bulk_create(rows)
    security_event_record(
        kind="numbers.reserved",
        tenant_id=unit.tenant_id,
        user=by,
        detail={"unit": unit.code, "type": letter_type.code, "first": first, "count": count},
    )
    return rows


def _reservation_close(reservation: NumberReservation, by: User, state: str) -> NumberReservation:
    reservation = _lock(NumberReservation, reservation.pk)
    unit = reservation.unit
    if not policy.can_reserve_numbers(by, unit):
        raise PermissionDenied
    if reservation.state != ReservationState.RESERVED:
        raise TransitionNotAllowed("this number is already bound or released")
    reservation.state, reservation.closed_at, reservation.closed_by = state, timezone.now(), by
    return reservation


@transaction.atomic
def reservation_bind(
    *, reservation: NumberReservation, by: User, subject: str, scan: UploadedFile
) -> NumberReservation:
    """Bind a reserved number to the scan of the letter made by hand."""
    reservation = _reservation_close(reservation, by, ReservationState.BOUND)
    if not (subject or "").strip():
        raise ValidationError({"subject": _("Give the letter's subject.")})
    info = upload_inspect(scan, allowed=SCAN_TYPES)
    scan.seek(0)
    reservation.bound_subject, reservation.bound_sha256 = subject, info.sha256
    reservation.bound_file.save(stored_name(info), scan, save=False)
    reservation.save()
    return reservation


@transaction.atomic
def reservation_release(*, reservation: NumberReservation, by: User, reason: str) -> None:
    """Void a reserved number that was not used; it is never given again."""
    reservation = _reservation_close(reservation, by, ReservationState.RELEASED)
    reservation.reason = reason or reservation.reason
    reservation.save()


@transaction.atomic
def delegation_create(
    *,
    by: User,
    delegate: User,
    start_date: dt.date,
    end_date: dt.date,
    reason: str = "",
    position: Position | None = None,
) -> Delegation:
    """A head delegates inbox handling of their post to a named person for a period."""
    held = Position.objects.filter(pk__in=held_position_ids(by), is_head=True)
    position = position or held.first()
    if position is None or not held.filter(pk=position.pk).exists():
        raise PermissionDenied(_("Only a head can delegate their inbox."))
    if delegate.tenant_id != by.tenant_id or delegate.pk == by.pk or not delegate.is_active:
        raise ValidationError({"delegate": _("Choose another person of this government.")})
    if end_date < start_date:
        raise ValidationError({"end_date": _("The period ends before it starts.")})
    if end_date < tenant_today(position.tenant):
        raise ValidationError({"end_date": _("The period has already ended.")})
    d = Delegation.objects.create(
        tenant_id=by.tenant_id,
        position=position,
        delegator=by,
        delegate=delegate,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
    )
    security_event_record(
        kind="delegation.created",
        tenant_id=by.tenant_id,
        user=by,
        target=d,
        detail={"delegate": delegate.pk, "from": str(start_date), "until": str(end_date)},
    )
    return d


@transaction.atomic
def delegation_end(*, delegation: Delegation, by: User) -> Delegation:
    """End a delegation now (the delegator or the delegate may)."""
    delegation = _lock(Delegation, delegation.pk)
    if by.pk not in (delegation.delegator_id, delegation.delegate_id):
        raise PermissionDenied
    today = tenant_today(delegation.position.tenant)
    yesterday = today - dt.timedelta(days=1)
    delegation.start_date = min(delegation.start_date, yesterday)
    delegation.end_date = min(delegation.end_date, yesterday)
    delegation.save(update_fields=["start_date", "end_date"])
    security_event_record(
        kind="delegation.ended", tenant_id=by.tenant_id, user=by, target=delegation
    )
    return delegation


# --- what changed since I looked ---
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
    before = [f"{_('Subject')}: {old.subject}", *old.body.splitlines()]
    after = [f"{_('Subject')}: {letter.subject}", *letter.body.splitlines()]
    return "\n".join(
        difflib.unified_diff(before, after, f"v{seen}", f"v{letter.version}", lineterm="")
    )


def scan_file_for(letter: Letter) -> ContentFile | None:
    """The scan of a letter signed on paper or registered from paper, if any."""
    att = letter.attachments.filter(kind=AttachmentKind.SCAN).order_by("-id").first()
    return att.file if att else None
