"""`field__any=[…]` finds exactly what `field__in=[…]` finds; on PostgreSQL as one array."""

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from organizations.choices import RoleKind
from organizations.models import Position, Unit, UnitRole

pytestmark = pytest.mark.django_db


def _same(model, **lookup):
    ((name, values),) = lookup.items()
    got = set(model.objects.filter(**{f"{name}__any": values}).values_list("pk", flat=True))
    want = set(model.objects.filter(**{f"{name}__in": values}).values_list("pk", flat=True))
    assert got == want
    return got


def test_any_matches_in_for_ids_foreign_keys_sets_and_none(world):
    units = [world.units["kominfo"].pk, world.units["bappeda"].pk]
    assert _same(Unit, pk=units) == set(units)
    heads = _same(Position, unit_id=units + [None])  # None is dropped, as with IN
    assert heads and all(Position.objects.get(pk=p).unit_id in units for p in heads)
    assert _same(Position, unit=set(units)) == heads  # the relation itself, and a set
    assert _same(Position, unit_id=(units[0],)) < heads


def test_any_takes_choice_members(world):
    kinds = [RoleKind.REGISTRY_CLERK, RoleKind.TENANT_ADMIN]
    found = _same(UnitRole, kind=kinds)
    assert {UnitRole.objects.get(pk=p).kind for p in found} == set(kinds)


def test_an_empty_list_finds_nothing(world):
    assert not Unit.objects.filter(pk__any=[]).exists()
    assert Unit.objects.exclude(pk__any=[]).count() == Unit.objects.count()


def test_a_subquery_and_expressions_fall_back_to_in(world):
    kominfo = world.units["kominfo"]
    sub = Unit.objects.filter(pk=kominfo.pk).values("pk")
    assert _same(Position, unit_id=sub)
    assert set(Unit.objects.filter(pk__any=[Value(kominfo.pk), F("pk")])) == set(Unit.objects.all())


@pytest.mark.postgres
def test_on_postgresql_the_list_is_one_array_parameter(world):
    units = [world.units["kominfo"].pk, world.units["bappeda"].pk, world.units["dinkes"].pk]
    with CaptureQueriesContext(connection) as captured:
        assert Unit.objects.filter(pk__any=units).count() == 3
    sql = captured.captured_queries[-1]["sql"]
    assert "= ANY(" in sql and " IN (" not in sql
