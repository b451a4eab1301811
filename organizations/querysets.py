import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet


class TenantQuerySet(models.QuerySet):
    """Every tenant-owned model's queryset: views reach rows only through `for_tenant`."""

    def for_tenant(self, tenant):
        return self.filter(tenant=tenant)


class UnitQuerySet(TenantQuerySet, MP_NodeQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def subtree_of(self, unit, *, include_self: bool = True):
        """The unit and everything below it, in one query on the materialised path."""
        qs = self.filter(tenant_id=unit.tenant_id, path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)


class AssignmentQuerySet(TenantQuerySet):
    def current(self, on: dt.date | None = None):
        """Assignments in force on a date (by default today in the active, i.e. tenant's, zone)."""
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")
