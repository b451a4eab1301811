"""Identifiers, assignment rules and tree queries of the organisation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organizations.choices import AssignmentKind
from organizations.models import Assignment, Unit
from organizations.selectors import (
    position_holders,
    positions_held,
    unit_ancestor_heads,
)
from organizations.services import assignment_create, assignment_end
from organizations.validators import validate_nik, validate_nip
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("nip", "ok"),
    [
        ("197205121998031004", True),
        ("199204182019032011", True),
        ("19720512199803100", False),  # 17 digits
        ("1972051219980310045", False),  # 19 digits
        ("19720512199803100A", False),  # letter
        ("197213121998031004", False),  # month 13 in the birth date
        ("197205121998131004", False),  # appointment month 13
        ("197205121998033004", False),  # sex digit 3
    ],
)
def test_nip(nip, ok):
    if ok:
        validate_nip(nip)
    else:
        with pytest.raises(ValidationError):
            validate_nip(nip)


@pytest.mark.parametrize(
    ("nik", "ok"),
    [
        ("1271051205720003", True),
        ("1271055804920002", True),  # a woman: day + 40
        ("127105120572000", False),
        ("1271053205720003", False),  # day 32
        ("1271051213720003", False),  # month 13
    ],
)
def test_nik(nik, ok):
    if ok:
        validate_nik(nik)
    else:
        with pytest.raises(ValidationError):
            validate_nik(nik)


@pytest.mark.django_db
def test_a_position_has_one_definitive_holder_at_a_time(world):
    post = world.positions["kadis_kominfo"]
    newcomer = UserFactory(tenant=world.tenant)
    # the service refuses an overlapping definitive holder with a clear message
    with pytest.raises(ValidationError, match="already has a definitive holder"):
        assignment_create(user=newcomer, position=post, start_date=dt.date(2026, 1, 1))
    # and the database refuses it even when the service is bypassed (dated overlap too)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            tenant=world.tenant,
            user=newcomer,
            position=post,
            kind=AssignmentKind.DEFINITIVE,
            start_date=dt.date(2019, 6, 1),
            end_date=dt.date(2020, 6, 1),
        )


@pytest.mark.django_db
def test_an_acting_holder_may_serve_beside_the_definitive_one(world):
    post = world.positions["kadis_kominfo"]
    plt = UserFactory(tenant=world.tenant)
    assignment_create(
        user=plt,
        position=post,
        kind=AssignmentKind.PLT,
        start_date=dt.date(2026, 8, 1),
        end_date=dt.date(2026, 12, 31),
    )
    holders = position_holders(post, on=dt.date(2026, 9, 1))
    assert [a.user for a in holders] == [world.head, plt]
    assert position_holders(post, on=dt.date(2027, 1, 1))[-1].user == world.head


@pytest.mark.django_db
def test_after_a_transfer_the_next_holder_takes_the_post(world):
    post = world.positions["kadis_kominfo"]
    current = world.head.assignments.get(position=post)
    assignment_end(assignment=current, end_date=dt.date(2026, 6, 30))
    successor = UserFactory(tenant=world.tenant)
    assignment_create(user=successor, position=post, start_date=dt.date(2026, 7, 1))
    assert list(positions_held(world.head, on=dt.date(2026, 7, 1))) == []
    assert list(positions_held(successor, on=dt.date(2026, 7, 1))) == [post]


@pytest.mark.django_db
def test_a_user_of_another_tenant_cannot_take_a_post(world):
    with pytest.raises(ValidationError):
        assignment_create(
            user=world.foreigner,
            position=world.positions["perencana"],
            start_date=dt.date(2026, 1, 1),
        )


@pytest.mark.django_db
def test_subtree_and_ancestors_are_one_query_each(world, django_assert_num_queries):
    kominfo = world.units["kominfo"]
    aptika = world.units["seksi_aptika"]
    with django_assert_num_queries(1):
        codes = [u.code for u in Unit.objects.subtree_of(kominfo)]
    assert codes == ["KOMINFO", "BID_TIK", "SEKSI_APTIKA"]
    with django_assert_num_queries(1):
        names = [u.code for u in Unit.objects.get_ancestors(aptika)]
    assert names == ["WALIKOTA", "KOMINFO", "BID_TIK"]
    with django_assert_num_queries(1):
        heads = [p.title for p in unit_ancestor_heads(aptika)]
    assert heads == [
        "Kepala Seksi Aptika",
        "Kepala Bidang TIK",
        "Kepala Dinas Kominfo",
        "Wali Kota Medan",
    ]
