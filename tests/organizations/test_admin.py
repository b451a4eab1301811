"""The Django admin is scoped to the request's tenant, for everyone."""

import pytest
from django.urls import reverse

from organizations.models import Position
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_tenant_admin_sees_only_own_units(world):
    page = (
        client_for(world.tenant_admin)
        .get(reverse("admin:organizations_unit_changelist"))
        .content.decode()
    )
    assert "Dinas Komunikasi dan Informatika" in page
    assert "Diskominfo Kota Tangerang" not in page


@pytest.mark.parametrize("persona", ["drafter", "head", "clerk", "archivist"])
def test_ordinary_users_do_not_get_the_admin(world, persona):
    response = client_for(getattr(world, persona)).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_superuser_flag_does_not_open_another_tenant(world):
    world.foreigner.is_superuser = True
    world.foreigner.is_staff = True
    world.foreigner.save()
    client = client_for(world.foreigner)
    assert (
        client.get(
            reverse("admin:organizations_unit_change", args=[world.units["kominfo"].pk])
        ).status_code
        == 404
    )
    changelist = client.get(reverse("admin:organizations_unit_changelist")).content.decode()
    assert "Dinas Komunikasi dan Informatika" not in changelist


def test_a_unit_added_in_the_admin_belongs_to_the_admin_tenant(world):
    client = client_for(world.tenant_admin)
    response = client.post(
        reverse("admin:organizations_position_add"),
        {
            "unit": world.units["bappeda"].pk,
            "code": "ANALIS",
            "title": "Analis Kebijakan",
            "sort_order": 100,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert Position.objects.get(code="ANALIS").tenant == world.tenant
    foreign = client.post(
        reverse("admin:organizations_position_add"),
        {"unit": world.units["t_kominfo"].pk, "code": "X", "title": "X", "sort_order": 100},
    )
    assert foreign.status_code == 200  # the foreign unit is not a valid choice
    assert not Position.objects.filter(code="X").exists()
