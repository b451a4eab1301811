"""Who sees what, as SQL: every list and every detail check goes through `visible_to`.

Access mostly follows positions, not people: a user sees what their *current* positions (held
definitively or as Plt/Plh, or delegated to them for inbox handling) are entitled to, so a
transfer or the end of an acting assignment moves access without rewriting grants. Guardian's
direct-FK tables hold the grants for named people (the drafter) and exceptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from organizations.access import access_remembered
from organizations.selectors import unit_roles_of
from workflows.choices import SecurityLevel
from workflows.reach import named_post_units, reach_of

from .choices import LetterState


def _model(name: str):
    return apps.get_model("correspondence", name)


def held_position_ids(user, on: dt.date | None = None) -> QuerySet:
    """Positions a user holds today (definitive or acting), as a subquery of ids."""
    Assignment = apps.get_model("organizations", "Assignment")
    on = on or timezone.localdate()
    return (
        Assignment.objects.current(on)
        .filter(
            user_id=user.pk,
            tenant_id=user.tenant_id,
            position__tenant_id=user.tenant_id,  # every list built on this may rely on it
            position__is_active=True,
        )
        .values("position_id")
    )


def delegated_position_ids(user, on: dt.date | None = None) -> QuerySet:
    """Positions whose inbox handling is delegated to the user today."""
    on = on or timezone.localdate()
    return (
        _model("Delegation")
        .objects.filter(delegate_id=user.pk, start_date__lte=on, end_date__gte=on)
        .values("position_id")
    )


def effective_position_ids(user, on: dt.date | None = None) -> QuerySet:
    """Held plus delegated positions: whose inbox and dispositions the user handles."""
    Position = apps.get_model("organizations", "Position")
    return Position.objects.filter(
        Q(pk__in=held_position_ids(user, on)) | Q(pk__in=delegated_position_ids(user, on))
    ).values("pk")


def held_id_list(user, on: dt.date | None = None) -> list[int]:
    """`held_position_ids` as a list: once per request, kept across requests until an
    assignment, post, unit, role or delegation of the tenant changes (organizations.access)."""
    day = on or timezone.localdate()  # the same day for the key and the query
    return access_remembered(user, "held", lambda: _ids(held_position_ids(user, day)), day)


def effective_id_list(user, on: dt.date | None = None) -> list[int]:
    """`effective_position_ids` as a list (kept as `held_id_list` is)."""
    day = on or timezone.localdate()
    return access_remembered(
        user, "effective", lambda: _ids(effective_position_ids(user, day)), day
    )


def delegated_id_list(user, on: dt.date | None = None) -> list[int]:
    """Posts whose inbox is delegated to the user today and that they do not hold: the
    effective posts less the held ones (both kept already, so no query of its own)."""
    return sorted(set(effective_id_list(user, on)) - set(held_id_list(user, on)))


@dataclass(frozen=True)
class Reading:
    """What a user reads, by security level: deliveries addressed to `posts[level]` and those
    reaching `units[level]` (the unit inboxes they work), as the tenant's reach of each level
    says (`workflows.reach`)."""

    posts: dict[str, list[int]]
    units: dict[str, list[int]]

    def unit_ids(self) -> list[int]:
        """Every unit whose inbox the user reads at some level."""
        return sorted({u for ids in self.units.values() for u in ids})

    def levels_for_unit(self, unit_id: int) -> list[str]:
        return [level for level, ids in self.units.items() if unit_id in ids]


def reading(user, on: dt.date | None = None) -> Reading:
    """The user's `Reading` today (kept as `held_id_list` is)."""
    day = on or timezone.localdate()
    return access_remembered(user, "reading", lambda: _reading(user, day), day)


def _reading(user, day: dt.date) -> Reading:
    Position = apps.get_model("organizations", "Position")
    held = set(held_id_list(user, day))
    # Delegated: the effective posts the user does not hold (both lists are kept already).
    delegated = set(effective_id_list(user, day)) - held
    posts = {
        p.pk: p
        for p in Position.objects.filter(
            pk__in=held | delegated, tenant_id=user.tenant_id, is_active=True
        )
        .select_related("unit")
        .only("pk", "code", "echelon", "is_head", "unit__path")
    }
    delegated &= set(posts)  # only the user's own tenant's posts, whatever a delegation names
    roles = unit_roles_of(user)
    reach = reach_of(user)  # cumulative: whoever reads a level reads the levels below
    named = named_post_units(
        user.tenant_id,
        reach,
        [(posts[p].unit.path, posts[p].code, posts[p].echelon) for p in held if p in posts],
    )
    posts_out: dict[str, list[int]] = {}
    units_out: dict[str, list[int]] = {}
    for level, r in reach.items():
        readers = held | delegated if r.delegates else set(held)
        posts_out[level] = sorted(readers)
        units = {u for u, kind in roles if kind in r.roles} | named.get(level, set())
        if r.unit_head:
            units |= {posts[p].unit_id for p in readers if p in posts and posts[p].is_head}
        units_out[level] = sorted(units)
    return Reading(posts=posts_out, units=units_out)


def inbox_unit_id_list(user, on: dt.date | None = None) -> list[int]:
    """Units whose inbox the user reads at some security level: as head, delegate, clerk, TU,
    or a post the tenant's reach names."""
    return reading(user, on).unit_ids()


def reach_q(by_level: dict[str, list[int]], field: str, *, security: str = "security") -> Q:
    """`field` in the ids the user reads at the row's `security` level, as one filter: levels
    that share one list share one term, and a list shared by every level needs no level
    test. Matches nothing when every list is empty."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for level, ids in by_level.items():
        if ids:
            groups.setdefault(tuple(ids), []).append(level)
    q = Q(pk__in=[])
    for ids, levels in groups.items():
        if len(levels) == len(SecurityLevel.values):
            q |= Q(**{f"{field}__any": list(ids)})
        else:
            q |= Q(**{f"{security}__any": levels, f"{field}__any": list(ids)})
    return q


def _granted(model_name: str, user, codename: str) -> QuerySet:
    return (
        _model(model_name)
        .objects.filter(
            user_id=user.pk, permission__codename=codename, content_object_id=OuterRef("pk")
        )
        .values("pk")
    )


def _ids(qs: QuerySet) -> list[int]:
    """Run a one-column id query now. The lists below go into list queries as plain
    `IN (…)` constants: PostgreSQL then uses the indexes on the big tables, where nested
    subqueries under OR made it scan them (seconds on a million letters)."""
    return [next(iter(row.values())) for row in qs]


def _anonymous(user) -> bool:
    return not user.is_authenticated or user.tenant_id is None


# A unit's outbox shows its letters from signature on.
OUTBOX_STATES = [LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED]


def _assigned_q(user, on: dt.date | None, *, security: str) -> Q:
    """Dispositions to the user's posts: those they hold, at every level; those delegated to
    them, at the levels whose reach takes in delegates (`security` names the level's field)."""
    q = Q(to_position_id__any=held_id_list(user, on))
    delegated = delegated_id_list(user, on)
    if delegated:
        levels = [lv for lv, r in reach_of(user).items() if r.delegates]
        q |= Q(to_position_id__any=delegated, **{f"{security}__any": levels})
    return q


def _sender_side_q(user, on: dt.date | None) -> Q:
    """The sending side of a letter of the user's tenant: drafted or granted to them, on their
    review route (once reached), or in an outbox they read: a unit's outbox holds letters
    drafted in it or numbered in its register (signed by its head), as far as each security
    level reaches in that unit."""
    seen = reading(user, on)
    steps = _model("ReviewStep").objects.filter(
        letter_id=OuterRef("pk"),
        position_id__any=held_id_list(user, on),
        reached_at__isnull=False,
    )
    outbox = Q(is_incoming=False, state__any=OUTBOX_STATES) & (
        reach_q(seen.units, "unit_id") | reach_q(seen.units, "number_unit_id")
    )
    return Q(tenant_id=user.tenant_id) & (
        Exists(_granted("LetterUserObjectPermission", user, "view_letter")) | Exists(steps) | outbox
    )


class LetterQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None):
        """Letters the user may open: their sending side (`sender_side_visible_to`), or as a
        recipient: delivered to a post or a unit inbox they read at its level, or
        dispositioned to them. How far each security level reaches is the tenant's
        (`workflows.reach`)."""
        if _anonymous(user):
            return self.none()
        seen = reading(user, on)
        deliveries = _model("Delivery").objects.filter(
            reach_q(seen.posts, "position_id") | reach_q(seen.units, "unit_id"),
            letter_id=OuterRef("pk"),
            tenant_id=user.tenant_id,
        )
        dispositions = _model("Disposition").objects.filter(
            _assigned_q(user, on, security="delivery__security")
            | Q(issued_as_id__any=held_id_list(user, on))
            | Q(prepared_by_id=user.pk),
            letter_id=OuterRef("pk"),
            tenant_id=user.tenant_id,
        )
        return self.filter(_sender_side_q(user, on) | Exists(deliveries) | Exists(dispositions))

    def sender_side_visible_to(self, user, *, on: dt.date | None = None):
        """Letters the user may open as their sender's side, never as a recipient. The
        sender's archive record of a letter follows this."""
        if _anonymous(user):
            return self.none()
        return self.filter(_sender_side_q(user, on))

    def drafts_of(self, user):
        return self.filter(drafter_id=user.pk, state=LetterState.DRAFT, tenant_id=user.tenant_id)


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None, unit_id: int | None = None):
        """Deliveries the user reads: addressed to their post, in a unit inbox they read at
        the delivery's level, or carrying a disposition that involves them. With `unit_id`,
        only that unit's deliveries."""
        if _anonymous(user):
            return self.none()
        seen = reading(user, on)
        # Dispositions *to* the user or prepared by them. Those issued as one of their posts
        # need no test of their own: a disposition is issued as the delivery's addressed post,
        # as the head of its unit (whose inbox that is) or as the post a parent disposition
        # went to, all covered by the other terms. Leaving it out keeps this test small on a
        # busy head's inbox (a head issues tens of thousands).
        # Uncorrelated `IN (subquery)`: PostgreSQL hashes each small set once, so a count over
        # a unit inbox stays an index-only scan (a correlated EXISTS is costed per row and
        # pushed the planner to read the whole table's pages).
        dispositions = _model("Disposition").objects.filter(
            _assigned_q(user, on, security="delivery__security") | Q(prepared_by_id=user.pk),
            tenant_id=user.tenant_id,
        )
        granted = _model("DeliveryUserObjectPermission").objects.filter(
            user_id=user.pk, permission__codename="view_delivery"
        )
        others = (
            reach_q(seen.posts, "position_id")
            | Q(pk__in=dispositions.values("delivery_id"))
            | Q(pk__in=granted.values("content_object_id"))
        )
        levels = seen.levels_for_unit(unit_id) if unit_id is not None else []
        if levels:
            # One inbox the user reads: its readable rows first, so most of a busy inbox's rows
            # pass on the first, cheapest test (counting 100,000 of them: 12 ms, not 18).
            first = Q() if len(levels) == len(SecurityLevel.values) else Q(security__any=levels)
            return self.filter(tenant_id=user.tenant_id, unit_id=unit_id).filter(first | others)
        qs = self.filter(tenant_id=user.tenant_id)
        if unit_id is not None:
            qs = qs.filter(unit_id=unit_id)
        return qs.filter(reach_q(seen.units, "unit_id") | others)

    def handled_by(self, user, *, on: dt.date | None = None):
        """Deliveries the user holds as head/addressee (may disposition and finish): addressed
        to a post they read at the delivery's level, or to a unit they head (or whose head's
        inbox is delegated to them)."""
        if _anonymous(user):
            return self.none()
        Position = apps.get_model("organizations", "Position")
        heads = Position.objects.filter(is_head=True)
        reach = reach_of(user)
        # A unit's own mail (no post named) is handled by its head, at the levels that reach
        # the head, and by whoever the head's inbox is delegated to, at the levels that reach
        # delegates too.
        head_levels = [lv for lv, r in reach.items() if r.unit_head]
        day = on or timezone.localdate()
        held = access_remembered(
            user,
            "headed_units",
            lambda: _ids(heads.filter(pk__any=held_id_list(user, day)).values("unit_id")),
            day,
        )
        q = reach_q(reading(user, on).posts, "position_id") | Q(
            unit_id__any=held, position__isnull=True, security__any=head_levels
        )
        delegated = delegated_id_list(user, on)
        if delegated:
            levels = [lv for lv in head_levels if reach[lv].delegates]
            units = _ids(heads.filter(pk__any=delegated).values("unit_id"))
            q |= Q(unit_id__any=units, position__isnull=True, security__any=levels)
        return self.filter(tenant_id=user.tenant_id).filter(q)

    def received_by(self, user, *, on: dt.date | None = None):
        """Deliveries whose receipt the user signs by opening them: those they handle, and
        those in a unit inbox they work (the agendaris or TU opens the unit's mail first)."""
        if _anonymous(user):
            return self.none()
        inbox = reach_q(reading(user, on).units, "unit_id") & Q(position__isnull=True)
        return self.filter(tenant_id=user.tenant_id).filter(
            Q(pk__in=self.handled_by(user, on=on).values("pk")) | inbox
        )


class DispositionQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None):
        """Dispositions the user gave, received, prepared, or whose delivery they read."""
        if _anonymous(user):
            return self.none()
        deliveries = (
            _model("Delivery").objects.visible_to(user, on=on).filter(pk=OuterRef("delivery_id"))
        )
        return self.filter(tenant_id=user.tenant_id).filter(
            _assigned_q(user, on, security="delivery__security")
            | Q(issued_as_id__any=held_id_list(user, on))
            | Q(prepared_by_id=user.pk)
            | Exists(deliveries)
        )

    def to_user(self, user, *, on: dt.date | None = None):
        """Dispositions addressed to the user's posts (held, or delegated at the levels
        delegates read)."""
        if _anonymous(user):
            return self.none()
        return self.filter(tenant_id=user.tenant_id).filter(
            _assigned_q(user, on, security="delivery__security")
        )
