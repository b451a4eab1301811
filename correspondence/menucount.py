"""The figures on the menu's links, counted in one query on every page.

The home page's counters (`selectors.counters_for`) are nine COUNTs; the menu shows four of
them on every page, so they are asked as scalar subqueries of one SELECT: one round trip
whatever the number of links that carry a figure.
"""

from __future__ import annotations

from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce

from organizations.models import User

from .choices import DeliveryState, DispositionState, StepKind
from .models import Delivery
from .selectors import awaiting_list, dispositions_to_me


def _count(qs: QuerySet) -> Coalesce:
    # COUNT as a plain function, not an aggregate: no GROUP BY, one row per subquery.
    rows = qs.order_by().values(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    return Coalesce(Subquery(rows[:1]), 0)


def menu_counts(user: User) -> dict[str, int]:
    """What waits for the user: unread incoming letters they handle (`inbox`), unread
    dispositions to them (`dispositions`), letters awaiting their paraf or signature
    (`awaiting`). One query; all zero for a user of no tenant."""
    if not (user.is_authenticated and user.tenant_id):
        return {"inbox": 0, "dispositions": 0, "awaiting": 0}
    handled = Delivery.objects.visible_to(user).handled_by(user)
    figures = (
        User.objects.filter(pk=user.pk)
        .annotate(
            c_inbox=_count(handled.filter(kind="to", state=DeliveryState.DELIVERED)),
            c_dispositions=_count(dispositions_to_me(user).filter(state=DispositionState.ISSUED)),
            c_review=_count(awaiting_list(user, StepKind.REVIEW)),
            c_sign=_count(awaiting_list(user, StepKind.SIGN)),
        )
        .values("c_inbox", "c_dispositions", "c_review", "c_sign")
        .get()
    )
    return {
        "inbox": figures["c_inbox"],
        "dispositions": figures["c_dispositions"],
        "awaiting": figures["c_review"] + figures["c_sign"],
    }
