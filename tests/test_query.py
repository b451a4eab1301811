"""The shared list-filter and id helpers of core.query."""

import pytest
from django.http import Http404

from core.query import filter_given, id_or_404
from organizations.models import Unit

pytestmark = pytest.mark.django_db


def test_only_given_filters_narrow(world):
    every = Unit.objects.filter(tenant=world.tenant)
    # An empty string, None and False are "no filter": the query is unchanged
    assert filter_given(every, {"code": "", "name": None, "is_active": False}) is every
    # A given value narrows, and 0 is a value, not "no filter"
    kominfo = world.units["kominfo"]
    assert list(filter_given(every, {"code": kominfo.code, "name": None})) == [kominfo]
    assert not filter_given(every, {"depth": 0}).exists()


@pytest.mark.parametrize("value", ["7", 7, " 7"])
def test_an_id_is_a_positive_64_bit_number(value):
    assert id_or_404(value) == 7


@pytest.mark.parametrize("value", [None, "", "x", "0", "-3", "1.5", str(2**63), "9" * 40])
def test_anything_else_is_not_found(value):
    with pytest.raises(Http404):
        id_or_404(value)
