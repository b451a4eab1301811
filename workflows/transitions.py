"""The one way a document changes state, for every app: lock the row, ask django-fsm whether the
transition may run (its public `can_proceed` and `has_transition_perm`), fire it, save, append the
chained audit row and queue what must happen after the commit.

Two shapes, the same steps:

- `transition_run(...)` does all of it in one call, for a transition with nothing in between;
- `transition_fire(...)` then `transition_save(...)` when the service has work between firing and
  saving (advancing a review route, numbering, sealing): the object changes in memory first and
  is saved and logged only once that work is done, in the same transaction.

Every call belongs inside the service's `transaction.atomic`. Errors: `TransitionNotAllowed`
(wrong state, or a condition of the transition unmet), `PermissionDenied` (the transition's
`permission=` policy refuses the user).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django_fsm import FSMFieldMixin, TransitionNotAllowed, can_proceed, has_transition_perm

from .models import TransitionLog
from .services import transition_log


@dataclass(frozen=True)
class Fired:
    """A transition that has run in memory: the state it left and what the method returned."""

    name: str
    source: str
    result: Any


def row_lock[M: models.Model](obj: M) -> M:
    """The object's row, read afresh and locked for the rest of the transaction."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def row_lock_for[M: models.Model](obj: M, by, may: Callable[[object, M], bool]) -> M:
    """The row locked as `row_lock` does, once the policy `may(by, row)` allows `by` to act on
    it as it is now; PermissionDenied otherwise."""
    row = row_lock(obj)
    if not may(by, row):
        raise PermissionDenied
    return row


def transition_check(obj: models.Model, name: str, *, by=None) -> None:
    """Raise unless `name` may run on `obj` now (for `by`, when given): TransitionNotAllowed for
    a wrong state or an unmet condition, PermissionDenied when the policy refuses `by`."""
    bound = getattr(obj, name)
    if not can_proceed(bound, check_conditions=False):
        raise TransitionNotAllowed(f"{name} is not allowed from {_state(obj, name)}")
    if not can_proceed(bound):
        raise TransitionNotAllowed(f"{name}: conditions not met")
    if by is not None and not has_transition_perm(bound, by):
        raise PermissionDenied


def transition_fire(obj: models.Model, name: str, *, by=None, **kwargs) -> Fired:
    """Check and run the transition `name` on `obj` in memory (nothing is saved). `by` is the
    user the policy is asked about (None for the system's own moves); `kwargs` go to the method."""
    transition_check(obj, name, by=by)
    source = _state(obj, name)
    result = getattr(obj, name)(**kwargs)
    return Fired(name=name, source=source, result=result)


def transition_save(
    obj: models.Model,
    fired: Fired | str,
    *,
    action: str,
    by=None,
    tenant_id: int | None = None,
    note: str = "",
    acting_position=None,
    on_behalf_of=None,
    update_fields: Iterable[str] | None = None,
    save: bool = True,
    on_commit: Iterable[Callable[[], None]] = (),
) -> TransitionLog:
    """Save `obj` (all fields, or `update_fields`), append its audit row (from the fired
    transition's source to the object's state now) and queue `on_commit` callables."""
    if save:
        obj.save(update_fields=list(update_fields) if update_fields is not None else None)
    source = fired.source if isinstance(fired, Fired) else fired
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    row = transition_log(
        obj,
        tenant_id=tenant_id if tenant_id is not None else obj.tenant_id,
        action=action,
        source=source or "",
        target=str(getattr(obj, "state", "") or ""),
        actor=actor,
        acting_position=acting_position,
        on_behalf_of=on_behalf_of,
        note=note,
    )
    for effect in on_commit:
        transaction.on_commit(effect)
    return row


def transition_run[M: models.Model](
    obj: M,
    name: str,
    *,
    action: str,
    by=None,
    check_perm: bool = True,
    lock: bool = True,
    note: str = "",
    acting_position=None,
    on_behalf_of=None,
    update_fields: Iterable[str] | None = None,
    on_commit: Iterable[Callable[[], None]] = (),
    **kwargs,
) -> M:
    """Lock, check, fire, save, log and queue effects in one call; returns the locked object.
    `check_perm=False` when the service has already decided who may act (the transition then
    checks state and conditions only)."""
    if lock:
        obj = row_lock(obj)
    fired = transition_fire(obj, name, by=by if check_perm else None, **kwargs)
    transition_save(
        obj,
        fired,
        action=action,
        by=by,
        note=note,
        acting_position=acting_position,
        on_behalf_of=on_behalf_of,
        update_fields=update_fields,
        on_commit=on_commit,
    )
    return obj


def _state(obj: models.Model, name: str) -> str:
    # The field a transition moves is named by its decorator; reading it through the model's
    # field keeps this helper free of django-fsm's private attributes.
    return str(_fsm_field(type(obj), name).value_from_object(obj))


def _fsm_field(model: type[models.Model], name: str):
    fields = [f for f in model._meta.concrete_fields if isinstance(f, FSMFieldMixin)]
    for field in fields:
        if any(t.name == name for t in field.get_all_transitions(model)):
            return field
    raise TypeError(f"{model.__name__}.{name} is not a transition")
