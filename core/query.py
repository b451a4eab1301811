"""Small queryset helpers shared by the apps' selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404


def filter_given(qs: QuerySet, lookups: dict[str, object]) -> QuerySet:
    """Narrow ``qs`` by each lookup whose value was given (an empty value is no filter).

    A list page's filters are all optional: ``{"state": f.state, "unit_id": f.unit}`` filters
    by the state and the unit only where the person chose one.
    """
    given = {
        lookup: value
        for lookup, value in lookups.items()
        if not (value is None or value is False or value == "")
    }
    return qs.filter(**given) if given else qs


def id_or_404(value) -> int:
    """A database id from a URL or a query string: Http404 for anything else (text, zero, a
    negative number or one beyond 64 bits, which would overflow in the database)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number
