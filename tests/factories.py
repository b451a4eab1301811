"""factory_boy factories for the organisation (shared by every app's tests)."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from organizations.choices import AssignmentKind, UnitKind
from organizations.models import Assignment, Position, Tenant, TenantDomain, Unit, User

PASSWORD = "Test-Password-2026"


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"kota{n}")
    name = factory.LazyAttribute(lambda o: f"Pemerintah Kota {o.slug.title()}")
    app_name = factory.LazyAttribute(lambda o: f"Naskah {o.slug.title()}")
    short_name = factory.LazyAttribute(lambda o: f"Pemkot {o.slug.title()}")
    letterhead_government = factory.LazyAttribute(lambda o: f"PEMERINTAH KOTA {o.slug.upper()}")
    letterhead_address = "Jalan Balai Kota Nomor 1"
    city = factory.LazyAttribute(lambda o: o.slug.title())
    time_zone = "Asia/Jakarta"
    primary_colour = "#123456"
    accent_colour = "#abcdef"

    @factory.post_generation
    def domain(self, create, extracted, **kwargs):
        if create and not self.domains.exists():
            TenantDomain.objects.create(
                tenant=self, host=extracted or f"{self.slug}.localhost", is_primary=True
            )


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Dinas {o.code}")
    kind = UnitKind.AGENCY

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        from organizations.services import unit_create

        tenant = kwargs.pop("tenant") if parent is None else parent.tenant
        kwargs.pop("tenant", None)
        return unit_create(tenant=tenant, parent=parent, **kwargs)


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position

    unit = factory.SubFactory(UnitFactory)
    tenant = factory.SelfAttribute("unit.tenant")
    code = factory.Sequence(lambda n: f"P{n:04d}")
    title = factory.LazyAttribute(lambda o: f"Staf {o.unit.name}")
    is_head = False
    can_sign = False


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"Pegawai {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.go.id")
    password = factory.django.Password(PASSWORD)


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    position = factory.SubFactory(PositionFactory)
    tenant = factory.SelfAttribute("position.tenant")
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..position.tenant"))
    kind = AssignmentKind.DEFINITIVE
    start_date = dt.date(2020, 1, 1)
