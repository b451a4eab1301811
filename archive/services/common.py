"""Small helpers shared by the archive's services."""

from __future__ import annotations

from django.db import models
from django.db.models import Max

from workflows.services import transition_log

from ..models import ArchiveSettings

# Where a paper record (or its box) stands; every one optional.
PLACE_FIELDS = ("building", "room", "shelf", "box", "folder")


def log(
    obj: models.Model, *, action: str, by=None, source: str = "", target: str = "", note: str = ""
) -> None:
    """Append a row that is not a state transition to the object's audit chain (the same hash
    chain letters use): a creation, a hold, an edit. Transitions log through
    `workflows.transitions.transition_save` / `transition_run`."""
    transition_log(
        obj,
        tenant_id=obj.tenant_id,
        action=action,
        source=source,
        target=target,
        actor=by if by is not None and by.is_authenticated else None,
        note=note,
    )


def next_number(model: type[models.Model], tenant_id: int, **scope) -> int:
    """The next running number of a tenant's proposals, case files or transfers. Call after
    locking the tenant's settings row (`settings_lock`), which serialises writers."""
    top = model.objects.filter(tenant_id=tenant_id, **scope).aggregate(m=Max("number"))["m"]
    return (top or 0) + 1


def settings_for(tenant_id: int) -> ArchiveSettings:
    """The tenant's archive settings (made with defaults on first use)."""
    obj, _created = ArchiveSettings.objects.get_or_create(tenant_id=tenant_id)
    return obj


def settings_lock(tenant_id: int) -> ArchiveSettings:
    """The tenant's archive settings row, locked for the rest of the transaction."""
    settings_for(tenant_id)
    return ArchiveSettings.objects.select_for_update().get(tenant_id=tenant_id)
