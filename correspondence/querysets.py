"""Who sees what, as SQL: every list and every detail check goes through `visible_to`.

Access mostly follows positions, not people: a user sees what their *current* positions (held
definitively or as Plt/Plh, or delegated to them for inbox handling) are entitled to, so a
transfer or the end of an acting assignment moves access without rewriting grants. Guardian's
direct-FK tables hold the grants for named people (the drafter) and exceptions.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from organizations.access import access_remembered
from organizations.choices import RoleKind
from workflows.choices import SecurityLevel

OPEN_LEVELS = [SecurityLevel.BIASA, SecurityLevel.TERBATAS]
INBOX_ROLES = [RoleKind.REGISTRY_CLERK, RoleKind.SECRETARY]


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


def inbox_unit_ids(user, on: dt.date | None = None) -> QuerySet:
    """Units whose (non-confidential) inbox the user handles: as head, delegate, clerk or TU."""
    Unit = apps.get_model("organizations", "Unit")
    Position = apps.get_model("organizations", "Position")
    UnitRole = apps.get_model("organizations", "UnitRole")
    headed = Position.objects.filter(is_head=True, pk__in=effective_position_ids(user, on))
    roles = UnitRole.objects.filter(user_id=user.pk, kind__in=INBOX_ROLES, unit__isnull=False)
    # Only the user's own tenant's units, whatever a stray role or delegation names: every
    # filter built on this list may rely on it.
    return Unit.objects.filter(
        Q(pk__in=headed.values("unit_id")) | Q(pk__in=roles.values("unit_id")),
        tenant_id=user.tenant_id,
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


def inbox_unit_id_list(user, on: dt.date | None = None) -> list[int]:
    """`inbox_unit_ids` as a list (kept as `held_id_list` is)."""
    day = on or timezone.localdate()
    return access_remembered(user, "inbox_units", lambda: _ids(inbox_unit_ids(user, day)), day)


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


class LetterQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None):
        """Letters the user may open: named, on the route, in the outbox or inbox they handle,
        or dispositioned to them. Confidential letters only by position, never by unit."""
        if _anonymous(user):
            return self.none()
        eff = effective_id_list(user, on)
        units = inbox_unit_id_list(user, on)
        steps = _model("ReviewStep").objects.filter(
            letter_id=OuterRef("pk"),
            position_id__any=held_id_list(user, on),
            reached_at__isnull=False,
        )
        deliveries = _model("Delivery").objects.filter(
            Q(position_id__any=eff) | Q(security__any=OPEN_LEVELS, unit_id__any=units),
            letter_id=OuterRef("pk"),
            tenant_id=user.tenant_id,
        )
        dispositions = _model("Disposition").objects.filter(
            Q(to_position_id__any=eff) | Q(issued_as_id__any=eff) | Q(prepared_by_id=user.pk),
            letter_id=OuterRef("pk"),
            tenant_id=user.tenant_id,
        )
        from .choices import LetterState

        # A unit's outbox: letters drafted in it or numbered in its register (signed by its head).
        own_outbox = Q(
            is_incoming=False,
            state__any=[LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED],
            security__any=OPEN_LEVELS,
        ) & (Q(unit_id__any=units) | Q(number_unit_id__any=units))
        own_tenant = Q(tenant_id=user.tenant_id) & (
            Exists(_granted("LetterUserObjectPermission", user, "view_letter"))
            | Exists(steps)
            | own_outbox
        )
        return self.filter(own_tenant | Exists(deliveries) | Exists(dispositions))

    def drafts_of(self, user):
        from .choices import LetterState

        return self.filter(drafter_id=user.pk, state=LetterState.DRAFT, tenant_id=user.tenant_id)


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None, unit_id: int | None = None):
        """Deliveries the user handles: addressed to their position, in a unit inbox they handle
        (not confidential), or carrying a disposition that involves them. With `unit_id`, only
        that unit's deliveries."""
        if _anonymous(user):
            return self.none()
        eff = effective_id_list(user, on)
        # Dispositions *to* the user or prepared by them. Those issued as one of their posts
        # need no test of their own: a disposition is issued as the delivery's addressed post,
        # as the head of its unit (whose inbox that is) or as the post a parent disposition
        # went to, all covered by the other terms. Leaving it out keeps this test small on a
        # busy head's inbox (a head issues tens of thousands).
        # Uncorrelated `IN (subquery)`: PostgreSQL hashes each small set once, so a count over
        # a unit inbox stays an index-only scan (a correlated EXISTS is costed per row and
        # pushed the planner to read the whole table's pages).
        dispositions = _model("Disposition").objects.filter(
            Q(to_position_id__any=eff) | Q(prepared_by_id=user.pk), tenant_id=user.tenant_id
        )
        granted = _model("DeliveryUserObjectPermission").objects.filter(
            user_id=user.pk, permission__codename="view_delivery"
        )
        others = (
            Q(position_id__any=eff)
            | Q(pk__in=dispositions.values("delivery_id"))
            | Q(pk__in=granted.values("content_object_id"))
        )
        units = inbox_unit_id_list(user, on)
        if unit_id is not None and unit_id in units:
            # One inbox the user handles: its open rows first, so most of a busy inbox's rows
            # pass on the first, cheapest test (counting 100,000 of them: 12 ms, not 18).
            return self.filter(tenant_id=user.tenant_id, unit_id=unit_id).filter(
                Q(security__any=OPEN_LEVELS) | others
            )
        qs = self.filter(tenant_id=user.tenant_id)
        if unit_id is not None:
            qs = qs.filter(unit_id=unit_id)
        return qs.filter(Q(security__any=OPEN_LEVELS, unit_id__any=units) | others)

    def handled_by(self, user, *, on: dt.date | None = None):
        """Deliveries the user holds as head/addressee (may disposition and finish)."""
        if _anonymous(user):
            return self.none()
        Position = apps.get_model("organizations", "Position")
        eff = effective_id_list(user, on)
        headed = _ids(Position.objects.filter(is_head=True, pk__in=eff).values("unit_id"))
        return self.filter(tenant_id=user.tenant_id).filter(
            Q(position_id__any=eff) | Q(unit_id__any=headed, position__isnull=True)
        )


class DispositionQuerySet(models.QuerySet):
    def visible_to(self, user, *, on: dt.date | None = None):
        """Dispositions the user gave, received, prepared, or whose delivery they handle."""
        if _anonymous(user):
            return self.none()
        eff = effective_id_list(user, on)
        deliveries = (
            _model("Delivery").objects.visible_to(user, on=on).filter(pk=OuterRef("delivery_id"))
        )
        return self.filter(tenant_id=user.tenant_id).filter(
            Q(to_position_id__any=eff)
            | Q(issued_as_id__any=eff)
            | Q(prepared_by_id=user.pk)
            | Exists(deliveries)
        )

    def to_user(self, user, *, on: dt.date | None = None):
        """Dispositions addressed to the user's positions (held or delegated)."""
        if _anonymous(user):
            return self.none()
        return self.filter(
            tenant_id=user.tenant_id, to_position_id__any=effective_id_list(user, on)
        )
