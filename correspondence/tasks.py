"""Background jobs of correspondence (run by the task worker)."""

from django.core.exceptions import PermissionDenied
from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from core.tasks import when_abandoned
from organizations.models import User

from . import services
from .archiving import delivery_file, letter_files_all
from .inboxcount import inbox_fold_all
from .models import Delivery, Letter
from .signing import SigningError


@task
def dispositions_due_notify() -> int:
    """Periodic: notify assignees of dispositions due soon or overdue (each notice once)."""
    return services.disposition_due_notify()


@task
def inbox_versions_fold() -> int:
    """Periodic: fold each unit's inbox change rows into one (see correspondence.inboxcount)."""
    return inbox_fold_all()


@task
def letter_sign_task(letter_id: int, user_id: int, note: str = "") -> str:
    """Render and sign a letter in the background; a failure is recorded for the signer.

    Idempotent: a letter no longer waiting for this background signature (signed, failed or
    withdrawn since) is left as it is, so a task run again after its worker died signs once."""
    user = User.objects.get(pk=user_id)
    letter = Letter.objects.get(pk=letter_id)
    if letter.sign_pending_since is None:
        return "nothing_pending"
    try:
        services.letter_sign(letter=letter, by=user, note=note)
    except SigningError as exc:
        services.letter_sign_failed(letter_id=letter_id, by=user, message=exc.message)
        return exc.code
    except (TransitionNotAllowed, PermissionDenied):
        services.letter_sign_failed(
            letter_id=letter_id,
            by=user,
            message=_("The letter is no longer waiting for your signature; open it to see why."),
        )
        return "not_allowed"
    except Exception:
        services.letter_sign_failed(letter_id=letter_id, by=user, message=str(SIGN_CRASHED))
        raise
    return "signed"


SIGN_CRASHED = gettext_lazy(
    "Preparing the PDF failed on the server. The letter stays approved and unnumbered; sign "
    "again, and tell the administrator if it fails again."
)


@when_abandoned(letter_sign_task)
def letter_sign_abandoned(letter_id: int, user_id: int, note: str = "") -> None:
    """The worker signing this letter died twice: the signer hears it and may sign again."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None and Letter.objects.filter(pk=letter_id, sign_pending_since__isnull=False):
        services.letter_sign_failed(letter_id=letter_id, by=user, message=str(SIGN_CRASHED))


@task
def letter_archive(letter_id: int) -> list[int]:
    """File a finished letter in the archive, each side its own record (once); returns the
    records' ids."""
    return [r.pk for r in letter_files_all(Letter.objects.get(pk=letter_id))]


@task
def delivery_archive(delivery_id: int) -> int | None:
    """File a finished delivery as its receiving unit's record (once); returns its id."""
    record = delivery_file(Delivery.objects.get(pk=delivery_id))
    return record.pk if record else None
