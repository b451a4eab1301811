"""Who handles what, kept across requests (organizations.access).

These tests commit (transaction=True): the kept lists are replaced when a change *commits*, and
a test inside one open transaction would never see that. Each `_request` is one request's
memo scope, as the middleware opens it.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.permissions import needs_second_factor
from core.memo import request_memo_scope
from correspondence.querysets import effective_id_list, held_id_list, inbox_unit_id_list
from correspondence.services import delegation_create, delegation_end
from organizations.access import access_changed, access_forget_all
from organizations.choices import RoleKind
from organizations.models import Assignment, UnitRole, User
from organizations.permissions import can_admin_tenant
from organizations.services import assignment_create, assignment_end, role_grant
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def _request(read, zone: str = "Asia/Jakarta"):
    with request_memo_scope(), timezone.override(zone):  # as the tenant middleware does
        return read()


def _lists(user):
    return held_id_list(user), effective_id_list(user), inbox_unit_id_list(user)


def test_the_next_request_reads_the_kept_lists_without_a_query(world, django_assert_num_queries):
    first = _request(lambda: _lists(world.head))
    with django_assert_num_queries(0):
        again = _request(lambda: _lists(world.head))
    assert again == first
    assert world.positions["kadis_kominfo"].pk in first[0]
    assert world.units["kominfo"].pk in first[2]


def test_outside_a_request_every_read_asks_the_database(world, django_assert_num_queries):
    effective_id_list(world.head)
    with django_assert_num_queries(1):
        effective_id_list(world.head)


def test_a_new_post_is_seen_by_the_next_request(world):
    kasi = world.positions["kasi_aptika"]
    before = _request(lambda: effective_id_list(world.colleague))
    assignment_create(
        user=world.colleague, position=kasi, kind="plt", start_date=dt.date(2020, 1, 1)
    )
    after = _request(lambda: _lists(world.colleague))
    assert kasi.pk not in before
    assert kasi.pk in after[0] and kasi.pk in after[1]
    assert world.units["seksi_aptika"].pk in after[2]  # a head handles the unit's inbox


def test_an_ended_post_is_gone_for_the_next_request(world):
    post = world.positions["kadis_kominfo"]
    assert post.pk in _request(lambda: held_id_list(world.head))
    current = Assignment.objects.get(user=world.head, position=post, end_date__isnull=True)
    with timezone.override("Asia/Jakarta"):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
    assignment_end(assignment=current, end_date=yesterday)
    held, _eff, units = _request(lambda: _lists(world.head))
    assert post.pk not in held
    assert world.units["kominfo"].pk not in units


def test_a_delegation_and_its_end_are_seen_by_the_next_request(world):
    post = world.positions["kadis_kominfo"]
    assert post.pk not in _request(lambda: effective_id_list(world.secretary))
    with timezone.override("Asia/Jakarta"):
        today = timezone.localdate()
    delegation = delegation_create(
        by=world.head,
        delegate=world.secretary,
        start_date=today,
        end_date=today + dt.timedelta(days=3),
    )
    assert post.pk in _request(lambda: effective_id_list(world.secretary))
    delegation_end(delegation=delegation, by=world.head)
    assert post.pk not in _request(lambda: effective_id_list(world.secretary))


def test_a_role_granted_and_taken_away_is_seen_by_the_next_request(world):
    bappeda = world.units["bappeda"]
    assert bappeda.pk not in _request(lambda: inbox_unit_id_list(world.colleague))
    role = role_grant(user=world.colleague, kind=RoleKind.REGISTRY_CLERK, unit=bappeda)
    assert bappeda.pk in _request(lambda: inbox_unit_id_list(world.colleague))
    role.delete()
    assert bappeda.pk not in _request(lambda: inbox_unit_id_list(world.colleague))


def test_tenant_administration_follows_its_role(world):
    tenant = world.tenant
    assert _request(lambda: can_admin_tenant(world.tenant_admin, tenant))
    assert not _request(lambda: can_admin_tenant(world.colleague, tenant))
    role_grant(user=world.colleague, kind=RoleKind.TENANT_ADMIN)
    assert _request(lambda: can_admin_tenant(world.colleague, tenant))
    UnitRole.objects.filter(user=world.tenant_admin, kind=RoleKind.TENANT_ADMIN).delete()
    assert not _request(lambda: can_admin_tenant(world.tenant_admin, tenant))


def test_a_post_switched_off_is_gone_for_the_next_request(world):
    post = world.positions["kasi_aptika"]
    assert post.pk in _request(lambda: held_id_list(world.reviewer))
    post.is_active = False
    post.save()
    assert post.pk not in _request(lambda: held_id_list(world.reviewer))


class _Undo(Exception):
    pass


def test_an_uncommitted_change_is_read_fresh_and_never_kept(world):
    kasi = world.positions["kasi_aptika"]
    _request(lambda: effective_id_list(world.colleague))  # kept
    with pytest.raises(_Undo), transaction.atomic():
        assignment_create(
            user=world.colleague, position=kasi, kind="plt", start_date=dt.date(2020, 1, 1)
        )
        assert kasi.pk in _request(lambda: effective_id_list(world.colleague))
        raise _Undo
    # Rolled back: the post was never held, and the read inside kept nothing for others.
    assert kasi.pk not in _request(lambda: effective_id_list(world.colleague))


def test_a_change_in_one_tenant_leaves_another_tenants_lists_kept(world, django_assert_num_queries):
    _request(lambda: _lists(world.foreign_head))
    role_grant(user=world.colleague, kind=RoleKind.REGISTRY_CLERK, unit=world.units["bappeda"])
    with django_assert_num_queries(0):
        _request(lambda: _lists(world.foreign_head))
    # held posts, effective posts, the posts' units and echelons, unit roles, the tenant's
    # reach of each security level: what the colleague reads, computed once
    with django_assert_num_queries(5):
        _request(lambda: _lists(world.colleague))


def test_an_evicted_generation_never_revives_older_lists(world):
    post = world.positions["kadis_kominfo"]
    assert post.pk in _request(lambda: held_id_list(world.head))
    # A change behind the models' backs (raw update: no signal) is not seen while the kept
    # lists stand (bounded by ACCESS_CACHE_SECONDS) ...
    with timezone.override("Asia/Jakarta"):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
    Assignment.objects.filter(user=world.head, position=post).update(end_date=yesterday)
    assert post.pk in _request(lambda: held_id_list(world.head))
    # ... and once the cache loses the generation, the next one is new: no older entry is read.
    cache.delete(f"access:gen:{world.tenant.pk}")
    assert post.pk not in _request(lambda: held_id_list(world.head))
    access_changed(world.tenant.pk)  # what a bulk writer calls
    assert post.pk not in _request(lambda: held_id_list(world.head))


def test_each_day_has_its_own_lists(world):
    kasi = world.positions["kasi_aptika"]
    with timezone.override("Asia/Jakarta"):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assignment_create(user=world.colleague, position=kasi, kind="plt", start_date=tomorrow)
    assert kasi.pk not in _request(lambda: held_id_list(world.colleague))
    assert kasi.pk in _request(lambda: held_id_list(world.colleague, on=tomorrow))
    assert kasi.pk not in _request(lambda: held_id_list(world.colleague))


def test_the_inbox_page_follows_a_clerk_losing_the_unit(world):
    client = client_for(world.clerk)
    kominfo = world.units["kominfo"]
    tab = f'href="?unit={kominfo.pk}"'
    assert tab in client.get("/letters/inbox/").content.decode()
    assert tab in client.get("/letters/inbox/").content.decode()  # read from the kept lists
    UnitRole.objects.get(user=world.clerk, kind=RoleKind.REGISTRY_CLERK).delete()
    assert tab not in client.get("/letters/inbox/").content.decode()


def test_after_a_restore_every_tenant_reads_afresh(world):
    post = world.positions["kadis_kominfo"]
    foreign_post = world.positions["t_kadis"]
    assert post.pk in _request(lambda: held_id_list(world.head))
    assert foreign_post.pk in _request(lambda: held_id_list(world.foreign_head))
    Assignment.objects.filter(position__in=[post, foreign_post]).update(  # rows written in bulk
        start_date=dt.date(2999, 1, 1)
    )
    access_forget_all()  # what `manage.py restore` calls
    assert post.pk not in _request(lambda: held_id_list(world.head))
    assert foreign_post.pk not in _request(lambda: held_id_list(world.foreign_head))


def test_without_a_shared_cache_the_lists_last_one_request(
    world, settings, django_assert_num_queries
):
    settings.ACCESS_CACHE_SECONDS = 0  # the default without Redis: processes cannot share
    _request(lambda: effective_id_list(world.head))
    with django_assert_num_queries(1):
        _request(lambda: (effective_id_list(world.head), effective_id_list(world.head)))


def test_a_cache_that_is_down_leaves_the_database_to_answer(world, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("redis went away")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    held, _eff, units = _request(lambda: _lists(world.head))
    assert world.positions["kadis_kominfo"].pk in held
    assert world.units["kominfo"].pk in units
    assert "access cache unavailable" in caplog.text


def test_who_must_use_a_second_factor_follows_the_roles(world):
    def needs(user):
        return _request(lambda: needs_second_factor(User.objects.get(pk=user.pk)))

    assert not needs(world.colleague)
    assert not needs(world.colleague)  # kept
    role = role_grant(user=world.colleague, kind=RoleKind.TENANT_ADMIN)
    assert needs(world.colleague)
    role.delete()
    assert not needs(world.colleague)
