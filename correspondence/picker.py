"""The recipient picker's reads: as-you-type search over the units, posts, signers and
addressees the compose form offers, grouped OPD → bidang → jabatan, and the saved groups.

Every search starts from the same querysets the form validates against (`picker_choices`),
so the picker can never offer what the form would refuse, nor anything of another tenant
that the form does not offer (other governments' top units are addressable on purpose).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Assignment, Position, Unit, User

from . import selectors
from .grouppolicy import recipient_groups_visible_to
from .models import AddressBookEntry, LetterType, RecipientGroup, SigningMandate
from .permissions import signer_positions_q
from .querysets import held_position_ids

ROLES = ("unit", "position", "signer", "address")
MAX_QUERY = 60  # characters; a longer "query" is not someone typing
MAX_WORDS = 6
LIMIT = 40  # options per answer: the dropdown shows a screenful, typing narrows it
SAVED_GROUPS = _("Saved groups")


class PickerInputError(ValueError):
    """A query the picker refuses (too long, control characters, unknown role)."""


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    group: str  # the optgroup: OPD › bidang (or the other government, or the organisation)
    holder: str = ""


@dataclass
class PickerResult:
    options: list[Option] = field(default_factory=list)
    more: bool = False  # more matched than LIMIT: type on


def picker_words(q: str) -> list[str]:
    """The words of a query; raises PickerInputError for what no one types."""
    if len(q) > MAX_QUERY:
        raise PickerInputError("too long")
    if any(ord(c) < 32 or ord(c) == 127 for c in q):
        raise PickerInputError("control characters")
    return q.split()[:MAX_WORDS]


def signer_choices_for(
    user: User, *, letter_type: LetterType | None = None, on: dt.date | None = None
) -> QuerySet[Position]:
    """The posts that may sign for this drafter: posts of the drafter's own units and the
    units above them that the type's signing rule accepts (every active type's rule when no
    type is given), and the holders of active mandates (a.n.) from those posts. A user who
    holds no post is offered the tenant's signers by the rule alone."""
    types = (
        [letter_type]
        if letter_type is not None
        else list(selectors.letter_types_for(user).only("signer_rule", "signer_position_codes"))
    )
    rule = Q(pk__in=[])
    for t in types:
        rule |= signer_positions_q(t)
    allowed = Position.objects.filter(rule, tenant_id=user.tenant_id, is_active=True)
    paths = list(
        Unit.objects.filter(
            positions__in=held_position_ids(user, on or timezone.localdate())
        ).values_list("path", flat=True)
    )
    if paths:
        line = {p[: i * Unit.steplen] for p in paths for i in range(1, len(p) // Unit.steplen + 1)}
        allowed = allowed.filter(unit__path__in=line)
    mandates = SigningMandate.objects.filter(
        tenant_id=user.tenant_id, is_active=True, grantor__in=allowed.values("pk")
    )
    if letter_type is not None:
        mandates = [m for m in mandates if m.covers(letter_type.code)]
        holders = Q(pk__in=[m.holder_id for m in mandates])
    else:
        holders = Q(pk__in=mandates.values("holder"))
    return (
        Position.objects.filter(Q(pk__in=allowed.values("pk")) | holders)
        .filter(tenant_id=user.tenant_id, is_active=True)
        .select_related("unit")
        .order_by("unit__path", "sort_order")
    )


def picker_choices(user: User, role: str, *, letter_type: LetterType | None = None) -> QuerySet:
    """What the compose form offers for a kind of recipient field (and validates against)."""
    if role == "unit":
        return selectors.recipient_units(user)
    if role == "position":
        return Position.objects.filter(tenant_id=user.tenant_id, is_active=True).select_related(
            "unit"
        )
    if role == "signer":
        return signer_choices_for(user, letter_type=letter_type)
    if role == "address":
        return AddressBookEntry.objects.filter(tenant_id=user.tenant_id, is_active=True)
    raise PickerInputError("role")


def _match(words: list[str], fields: list[str]) -> Q:
    """Every word in one of the fields (icontains; Django escapes % and _)."""
    out = Q()
    for w in words:
        any_field = Q()
        for f in fields:
            any_field |= Q(**{f"{f}__icontains": w})
        out &= any_field
    return out


def _holder_match(words: list[str], on: dt.date) -> Q:
    """Per word: the post's title or unit matches, or a current holder's name does."""
    out = Q()
    for w in words:
        named = Assignment.objects.current(on).filter(
            position_id=OuterRef("pk"), user__name__icontains=w
        )
        out &= (
            Q(title__icontains=w)
            | Q(unit__name__icontains=w)
            | Q(unit__short_name__icontains=w)
            | Exists(named)
        )
    return out


def _path_labels(units: list[Unit]) -> dict[str, str]:
    """Each unit's label by path, with every ancestor of the given units (one query)."""
    prefixes: dict[int, set[str]] = {}
    for u in units:
        for i in range(1, u.depth + 1):
            prefixes.setdefault(u.tenant_id, set()).add(u.path[: i * Unit.steplen])
    q = Q(pk__in=[])
    for tenant_id, paths in prefixes.items():
        q |= Q(tenant_id=tenant_id, path__in=paths)
    return {
        f"{t}:{p}": s or n
        for t, p, s, n in Unit.objects.filter(q).values_list(
            "tenant_id", "path", "short_name", "name"
        )
    }


def _group_of(unit: Unit, labels: dict[str, str], user: User, *, inclusive: bool) -> str:
    """The optgroup of a unit's option (inclusive=False) or of a post in it: the path below
    the tenant's root (the region's head), "OPD › bidang › seksi"; another government's unit
    is grouped under that government."""
    if unit.tenant_id != user.tenant_id:
        return unit.tenant.name
    top = unit.depth if inclusive else unit.depth - 1
    chain = [
        labels.get(f"{unit.tenant_id}:{unit.path[: i * Unit.steplen]}", "")
        for i in range(2, top + 1)
    ]
    return " › ".join(c for c in chain if c) or user.tenant.name


def _holders(position_ids: list[int], on: dt.date) -> dict[int, str]:
    rows = (
        Assignment.objects.current(on)
        .filter(position_id__in=position_ids)
        .select_related("user")
        .order_by("position_id", "kind", "start_date")
    )
    out: dict[int, str] = {}
    for a in rows:
        name = a.user.display_name
        out.setdefault(a.position_id, name if not a.is_acting else f"{a.get_kind_display()} {name}")
    return out


def _unit_options(user: User, units: list[Unit]) -> list[Option]:
    labels = _path_labels(units)
    return [
        Option(
            value=str(u.pk),
            text=u.name,
            group=_group_of(u, labels, user, inclusive=False),
        )
        for u in units
    ]


def _position_options(user: User, posts: list[Position], on: dt.date) -> list[Option]:
    labels = _path_labels([p.unit for p in posts])
    holders = _holders([p.pk for p in posts], on)
    return [
        Option(
            value=str(p.pk),
            text=p.title,
            group=_group_of(p.unit, labels, user, inclusive=True),
            holder=holders.get(p.pk, ""),
        )
        for p in posts
    ]


def picker_search(
    user: User, *, role: str, q: str, letter_type: LetterType | None = None
) -> PickerResult:
    """Options of a recipient field matching what the user typed, in tree order, at most
    LIMIT (then `more`); saved groups first for units and posts. Raises PickerInputError."""
    words = picker_words(q)
    base = picker_choices(user, role, letter_type=letter_type)
    on = timezone.localdate()
    result = PickerResult()
    if role in ("unit", "position"):
        result.options += group_options(user, words)
        if not words:
            return result  # an empty query offers the saved groups only
    if role == "unit":
        own_first = Case(When(tenant_id=user.tenant_id, then=0), default=1)
        matched = base.filter(_match(words, ["name", "short_name", "code"]))
        rows = list(matched.order_by(own_first, "tenant_id", "path")[: LIMIT + 1])
        result.options += _unit_options(user, rows[:LIMIT])
    elif role in ("position", "signer"):
        rows = list(
            base.filter(_holder_match(words, on)).order_by("unit__path", "sort_order")[: LIMIT + 1]
        )
        result.options += _position_options(user, rows[:LIMIT], on)
    else:
        rows = list(base.filter(_match(words, ["name", "organization", "email"]))[: LIMIT + 1])
        result.options += [
            Option(value=str(a.pk), text=a.name, group=a.organization or "—") for a in rows[:LIMIT]
        ]
    result.more = len(rows) > LIMIT
    return result


def group_members(user: User, group: RecipientGroup, role: str) -> QuerySet:
    """A group's members as the field of `role` takes them, among what the form offers:
    units (listed, of the listed kinds, and the units of its posts) for a unit field; posts
    (listed, and the head posts of its units) for a post field."""
    units = Q(pk__in=group.units.values("pk")) | Q(pk__in=group.positions.values("unit_id"))
    if group.unit_kinds:
        # A root with units below it is the region's head (Wali Kota), not one of its OPDs.
        units |= Q(kind__in=group.unit_kinds, tenant_id=group.tenant_id) & ~Q(
            depth=1, numchild__gt=0
        )
    if role == "unit":
        return picker_choices(user, "unit").filter(units).order_by("path")
    unit_ids = Unit.objects.filter(units, is_active=True).values("pk")
    heads = Q(is_head=True, unit_id__in=unit_ids)
    return (
        picker_choices(user, "position")
        .filter(Q(pk__in=group.positions.values("pk")) | heads)
        .order_by("unit__path", "sort_order")
    )


def group_options(user: User, words: list[str]) -> list[Option]:
    """The saved groups the user may pick whose names match (one query; their members are
    asked for only when one is picked: `group_member_options`)."""
    groups = recipient_groups_visible_to(user).filter(_match(words, ["name"]))
    return [
        Option(value=f"g:{pk}", text=name, group=str(SAVED_GROUPS))
        for pk, name in groups.order_by("owner_id", "name").values_list("pk", "name")[:20]
    ]


def group_member_options(user: User, group_id: int, role: str) -> list[Option]:
    """A saved group's members as options of a unit or post field; a group the user may not
    pick (another's, another tenant's, a missing one) has none."""
    group = recipient_groups_visible_to(user).filter(pk=group_id).first()
    if group is None or role not in ("unit", "position"):
        return []
    members = list(group_members(user, group, role))
    if role == "unit":
        return _unit_options(user, members)
    return _position_options(user, members, timezone.localdate())
