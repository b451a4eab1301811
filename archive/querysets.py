"""Record queries that read like English: `Record.objects.visible_to(user).held()`."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.memo import request_memo
from organizations.choices import RoleKind
from organizations.selectors import unit_roles_of
from workflows.choices import SecurityLevel
from workflows.reach import named_post_units, reach_of

from .choices import RecordState
from .registry import source_access

ALL = "all"


def _anonymous(user) -> bool:
    return not user.is_authenticated or user.tenant_id is None


def archivist_scope(user) -> str | list[int]:
    """The classifications a user is archivist of: "all", or a list of ids (maybe empty).

    A records officer of the whole tenant or of its records unit covers the whole file plan;
    one of another unit covers the codes that name the unit; a person can also be named on
    a code directly."""
    if _anonymous(user):
        return []

    def compute() -> str | list[int]:
        UnitRole = apps.get_model("organizations", "UnitRole")
        Settings = apps.get_model("archive", "ArchiveSettings")
        Classification = apps.get_model("archive", "Classification")
        roles = list(
            UnitRole.objects.filter(
                user_id=user.pk, tenant_id=user.tenant_id, kind=RoleKind.RECORDS_OFFICER
            ).values_list("unit_id", flat=True)
        )
        if None in roles:
            return ALL
        records_unit = (
            Settings.objects.filter(tenant_id=user.tenant_id)
            .values_list("records_unit_id", flat=True)
            .first()
        )
        if records_unit is not None and records_unit in roles:
            return ALL
        return list(
            Classification.objects.filter(tenant_id=user.tenant_id)
            .filter(Q(archivists__id=user.pk) | Q(units__id__in=roles))
            .values_list("pk", flat=True)
            .distinct()
        )

    return request_memo(("archivist_scope", user.pk), compute)


def _member_units(user) -> dict[str, list[int]]:
    """For records filed directly: the units whose records of each level the user reads.
    Biasa: the units they work in and the units above them (a seksi's people belong to their
    OPD too). Above Biasa: the units they head (a unit's own records have no addressee: its
    head stands for one, at every level), and the units the tenant's reach of the level gives
    them (a unit role it names; a post or echelon it names: that unit and above, up to the
    OPD). Whoever reads a level reads the levels below it."""

    def compute() -> dict[str, list[int]]:
        Assignment = apps.get_model("organizations", "Assignment")
        Unit = apps.get_model("organizations", "Unit")
        held = list(
            Assignment.objects.current(timezone.localdate())
            .filter(user_id=user.pk, tenant_id=user.tenant_id, position__is_active=True)
            .values_list(
                "position__unit__path",
                "position__unit_id",
                "position__is_head",
                "position__code",
                "position__echelon",
            )
        )
        roles = unit_roles_of(user)
        reach = reach_of(user)
        headed = {u for _p, u, head, _c, _e in held if head}
        named = named_post_units(
            user.tenant_id, reach, [(path, code, echelon) for path, _u, _h, code, echelon in held]
        )
        out = {
            level: headed | {u for u, kind in roles if kind in r.roles} | named.get(level, set())
            for level, r in reach.items()
            if level != SecurityLevel.BIASA
        }
        steplen = Unit.steplen
        paths = {p[: i * steplen] for p, *_ in held for i in range(1, len(p) // steplen + 1)}
        members = set(
            Unit.objects.filter(tenant_id=user.tenant_id, path__in=paths).values_list(
                "pk", flat=True
            )
        )
        out[SecurityLevel.BIASA] = members.union(*out.values())
        return {level: sorted(units) for level, units in out.items()}

    return request_memo(("archive_member_units", user.pk), compute)


class RecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records the user may open: archivists of the record's classification; anyone who
        may open the record's source document; for records filed directly, the people of the
        creating unit and of the units under it (confidential ones only its head)."""
        if _anonymous(user):
            return self.none()
        scope = archivist_scope(user)
        if scope == ALL:
            return self.filter(tenant_id=user.tenant_id)
        direct = Q(pk__in=[])
        for level, units in _member_units(user).items():
            if units:
                direct |= Q(security=level, unit_id__in=units)
        allowed = Q(source_id__isnull=True) & direct
        if scope:
            allowed |= Q(classification_id__in=scope)
        for label, access in source_access().items():
            app_label, model = label.split(".")
            ct = ContentType.objects.get_by_natural_key(app_label, model)
            allowed |= Q(source_type_id=ct.pk, source_id__in=access(user))
        return self.filter(tenant_id=user.tenant_id).filter(allowed)

    def held(self):
        """Records whose files the tenant still keeps (active or inactive)."""
        return self.filter(state__in=RecordState.held())

    def on_hold(self):
        """Records under at least one active legal hold (a join on holds would also match
        records with no hold at all: the through table is asked instead)."""
        LegalHold = apps.get_model("archive", "LegalHold")
        held = LegalHold.records.through.objects.filter(legalhold__released_at__isnull=True)
        return self.filter(pk__in=held.values("record_id"))

    def not_on_hold(self):
        LegalHold = apps.get_model("archive", "LegalHold")
        held = LegalHold.records.through.objects.filter(legalhold__released_at__isnull=True)
        return self.exclude(pk__in=held.values("record_id"))


class CaseFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Case files (berkas) the user may see: those of the codes they are archivist of, and
        those holding a record they may open (a berkas is never more visible than what it
        holds: an empty one is its archivists' alone)."""
        if _anonymous(user):
            return self.none()
        Record = apps.get_model("archive", "Record")
        qs = self.filter(tenant_id=user.tenant_id)
        scope = archivist_scope(user)
        if scope == ALL:
            return qs
        held = (
            Record.objects.visible_to(user).filter(case_file__isnull=False).values("case_file_id")
        )
        return qs.filter(Q(classification_id__in=scope or [0]) | Q(pk__in=held))
