"""Each queueable action: where its target is found (as the user may see it, else a 404 like
an unknown id), the version it is compared with under the row lock, and how it is applied
through correspondence's own services, with their permission and state checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from correspondence import permissions as letter_policy
from correspondence import selectors as letters
from correspondence import services as svc
from correspondence.choices import DeliveryState, LetterState
from correspondence.forms import DispositionForm, ReportForm
from organizations.models import User
from workflows.transitions import row_lock

from . import selectors
from .choices import ActionKind, ActionStatus


class Conflict(Exception):
    """The target moved on since the version the action was made against."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# What the services raise when the letter moved on under the action (after the version check).
MOVED_ON = (TransitionNotAllowed, ConcurrentTransition, svc.StaleEdit)


@dataclass(frozen=True)
class Settled:
    status: str
    message: str = ""


def letter_page(letter_id: int) -> str:
    return reverse("correspondence:letter", args=[letter_id])


def form_data(payload: dict) -> QueryDict:
    """The payload as the fields of a posted form (a list is a repeated field)."""
    data = QueryDict(mutable=True)
    for name, value in payload.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int) for v in values):
            raise ValidationError(_("The action carries a value that is not text."))
        data.setlist(str(name), [str(v) for v in values])
    return data


def _invalid(form) -> ValidationError:
    return ValidationError([f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()])


def _retracted_check(state: str) -> None:
    if state == DeliveryState.RETRACTED:
        raise Conflict(_("The sender retracted this letter while you were offline."))


def delivery_read(user: User, target: int, version: str, payload: dict) -> tuple[Settled, str]:
    """Mark a delivery read (the inbox's "Mark read"); already read is a duplicate."""
    delivery = row_lock(letters.delivery_get_for_user(user, target))
    url = letter_page(delivery.letter_id)
    _retracted_check(delivery.state)
    if delivery.state != DeliveryState.DELIVERED:
        return Settled(ActionStatus.DUPLICATE, _("It was already read.")), url
    if not svc.deliveries_mark_read(by=user, ids=[delivery.pk]):
        raise PermissionDenied  # visible, but not a delivery the user receives
    return Settled(ActionStatus.APPLIED), url


def delivery_disposition(
    user: User, target: int, version: str, payload: dict
) -> tuple[Settled, str]:
    """Disposition a delivery (or pass a disposition further down with `parent`), as the
    disposition page does; a conflict when another disposition or state change came first."""
    delivery = row_lock(letters.delivery_get_for_user(user, target))
    url = letter_page(delivery.letter_id)
    _retracted_check(delivery.state)
    if selectors.delivery_version(delivery) != version:
        raise Conflict(
            _(
                "While you were offline the letter moved on (now: %(state)s), or someone else "
                "dispositioned it. Your disposition was not sent: open the letter and write it "
                "again if it is still needed."
            )
            % {"state": delivery.get_state_display()}
        )
    data = form_data(payload)
    parent = None
    if data.get("parent"):
        parent = letters.disposition_get_for_user(user, data["parent"])
    issued_as = letter_policy.disposition_issuer(delivery, parent=parent)
    prepare = not letter_policy.can_disposition_delivery(user, delivery) and parent is None
    form = DispositionForm(
        data,
        positions=letter_policy.positions_below(issued_as),
        instructions=letters.instructions_for(delivery.tenant_id),
    )
    if not form.is_valid():
        raise _invalid(form)
    svc.disposition_create(
        delivery=delivery,
        by=user,
        parent=parent,
        prepare=prepare,
        to_positions=list(form.cleaned_data["to_positions"]),
        instructions=form.cleaned_data["instructions"],
        note=form.cleaned_data["note"],
        due_date=form.cleaned_data["due_date"],
        urgency=form.cleaned_data["urgency"],
    )
    return Settled(ActionStatus.APPLIED), url


def disposition_report(user: User, target: int, version: str, payload: dict) -> tuple[Settled, str]:
    """Report on a disposition; a conflict when it was reported or cancelled meanwhile."""
    disposition = row_lock(letters.disposition_get_for_user(user, target))
    url = letter_page(disposition.letter_id)
    if selectors.disposition_version(disposition) != version:
        raise Conflict(
            _(
                "While you were offline this disposition was reported or cancelled (now: "
                "%(state)s). Your report was not sent."
            )
            % {"state": disposition.get_state_display()}
        )
    form = ReportForm(form_data(payload))
    if not form.is_valid():
        raise _invalid(form)
    svc.disposition_report(disposition=disposition, by=user, text=form.cleaned_data["text"])
    return Settled(ActionStatus.APPLIED), url


def _review(service: Callable, user: User, target: int, version: str, payload: dict):
    letter = row_lock(letters.letter_get_for_user(user, target))
    url = letter_page(letter.pk)
    if selectors.review_version(letter) != version:
        raise Conflict(
            _(
                "While you were offline the letter moved on (now: %(state)s): another reviewer "
                "acted, or the drafter withdrew or changed it. Your paraf was not applied: open "
                "the letter and look at it again."
            )
            % {"state": letter.get_state_display()}
        )
    note = payload.get("note", "")
    if not isinstance(note, str):
        raise ValidationError(_("The note must be text."))
    service(letter=letter, by=user, note=note)
    return Settled(ActionStatus.APPLIED), url


def review_approve(user: User, target: int, version: str, payload: dict):
    """Give paraf on the review step that waits for the user."""
    return _review(svc.letter_approve, user, target, version, payload)


def review_return(user: User, target: int, version: str, payload: dict):
    """Send the letter back to the drafter with a note."""
    return _review(svc.letter_return, user, target, version, payload)


def draft_save(user: User, target: int, version: str, payload: dict) -> tuple[Settled, str]:
    """Save a draft's text through the compose autosave (its version and 409 scheme)."""
    letter = letters.letter_get_for_user(user, target)
    url = reverse("correspondence:edit", args=[letter.pk])
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise ValidationError(_("The draft's version is missing."))
    fields = {}
    for name in svc.AUTOSAVED:
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValidationError(_("The action carries a value that is not text."))
        if name != "subject" or value.strip():
            fields[name] = value
    try:
        letter, saved = svc.letter_autosave(
            letter=letter, by=user, expected_version=int(version), **fields
        )
    except TransitionNotAllowed:
        raise Conflict(
            _(
                "The draft was submitted or cancelled while you were offline; your text was not "
                "saved. It is kept on the offline actions page."
            )
        ) from None
    except svc.StaleEdit:
        current = type(letter).objects.values_list("version", flat=True).get(pk=letter.pk)
        raise Conflict(
            _(
                "Someone saved this draft after the version you edited (now version %(v)s); "
                "your text was not saved over theirs. It is kept on the offline actions page."
            )
            % {"v": current}
        ) from None
    if letter.state != LetterState.DRAFT:  # defensive: the service saves drafts only
        raise Conflict(_("The draft is no longer a draft."))
    return Settled(ActionStatus.APPLIED if saved else ActionStatus.DUPLICATE), url


HANDLERS: dict[str, Callable[[User, int, str, dict], tuple[Settled, str]]] = {
    ActionKind.DELIVERY_READ: delivery_read,
    ActionKind.DISPOSITION: delivery_disposition,
    ActionKind.REPORT: disposition_report,
    ActionKind.APPROVE: review_approve,
    ActionKind.RETURN: review_return,
    ActionKind.DRAFT_SAVE: draft_save,
}
