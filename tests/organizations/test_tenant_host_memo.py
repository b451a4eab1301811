"""Host → tenant, kept a few seconds in each process (organizations.selectors)."""

import pytest
from django.core.cache import cache

from organizations import selectors
from organizations.models import Tenant

pytestmark = pytest.mark.django_db


def _host(tenant) -> str:
    return tenant.domains.order_by("-is_primary").first().host


def test_each_request_gets_its_own_copy(world):
    host = _host(world.tenant)
    first = selectors.tenant_for_host(host)
    first.name = "changed by one request"
    assert selectors.tenant_for_host(host).name == world.tenant.name


def test_a_change_elsewhere_is_seen_once_the_local_entry_expires(world, monkeypatch):
    host = _host(world.tenant)
    assert selectors.tenant_for_host(host) == world.tenant
    # Another process switches the tenant off: the shared cache moves on, this process's
    # memory does not hear of it.
    Tenant.objects.filter(pk=world.tenant.pk).update(is_active=False)
    cache.incr("naskah:tenant-cache-version")
    assert selectors.tenant_for_host(host) == world.tenant  # still within LOCAL_SECONDS
    now = selectors.time.monotonic()
    monkeypatch.setattr(selectors.time, "monotonic", lambda: now + selectors.LOCAL_SECONDS + 1)
    assert selectors.tenant_for_host(host) is None


def test_a_change_in_this_process_is_seen_at_once(world):
    host = _host(world.tenant)
    assert selectors.tenant_for_host(host) == world.tenant
    world.tenant.is_active = False
    world.tenant.save()  # the model's signal clears both caches
    assert selectors.tenant_for_host(host) is None


def test_a_flood_of_hosts_keeps_the_memory_bounded(world, monkeypatch):
    monkeypatch.setattr(selectors, "_LOCAL_MAX", 10)
    for i in range(35):
        selectors.tenant_for_host(f"nobody-{i}.example")
    assert len(selectors._local) <= 10
