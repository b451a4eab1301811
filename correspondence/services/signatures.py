"""Signing: the signer's request (password, second factor), the signature itself with the
letter's number and sealed PDF, and a background signature's failure."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.permissions import SecondFactorRequired
from core.tasks import enqueue_with_transaction
from notifications.kinds import Kind
from notifications.services import object_changed
from organizations.models import User
from workflows.transitions import row_lock, transition_fire

from .. import numbering, signing
from .. import permissions as policy
from ..choices import (
    LetterState,
    SigningMode,
    StepKind,
)
from ..models import (
    Letter,
    ReviewStep,
)
from ..pdf.build import letter_pdf
from .common import (
    letter_notify,
    tenant_today,
    transition_record,
)
from .review import step_advance, step_notify


@transaction.atomic
def letter_sign(
    *, letter: Letter, by: User, mode: str = SigningMode.ELECTRONIC, note: str = ""
) -> Letter:
    """The current signer signs; the last signature numbers the letter (gapless, locked) and,
    signed electronically, seals its PDF. Raises ValidationError, TransitionNotAllowed,
    PermissionDenied, SigningError."""
    letter = row_lock(letter)
    if mode not in SigningMode.values:
        raise ValidationError({"mode": _("Unknown signing mode.")})
    step = policy.current_step(letter)
    if step is None or step.kind != StepKind.SIGN:
        raise TransitionNotAllowed("no signature is waiting")
    _authority_check(letter, step)
    last = not ReviewStep.objects.filter(
        letter=letter, round=letter.review_round, order__gt=step.order
    ).exists()
    electronic = mode == SigningMode.ELECTRONIC
    fired = transition_fire(
        letter, "sign", by=by, last=last, mode=mode, signer=by, position=step.position
    )
    if electronic:
        signing.adapter().check(by)  # a co-signer without a certificate hears it now
    nxt = step_advance(letter, step, by, note)
    if last:
        _number(letter)
        if electronic:
            # Rendered and signed inside this transaction: a failure rolls back the number and
            # the state together, so a letter is never half-signed.
            _seal(letter)
    letter.sign_pending_since, letter.sign_error = None, ""
    action = "letter.signed" if last else "letter.cosigned"
    transition_record(letter, fired, action=action, by=by, position=step.position, note=note)
    if nxt is not None:
        step_notify(letter, nxt)
    else:
        letter_notify([letter.drafter], Kind.LETTER_SIGNED, letter, _("Signed: %(s)s"))
    return letter


def _authority_check(letter: Letter, step: ReviewStep) -> None:
    """The post still may sign at the moment it signs: a mandate (a.n.) ended or a type's rule
    changed after submit refuses the signature, it is never printed on the letter."""
    if not policy.letter_signer_allowed(letter, step.position):
        raise ValidationError(
            {
                "signer_position": _("%(pos)s may not sign a %(type)s.")
                % {"pos": step.position, "type": letter.letter_type.name}
            }
        )


# A background signature that has not finished after this long may be asked for again.
SIGN_PATIENCE = dt.timedelta(minutes=5)


def _seal(letter: Letter) -> None:
    """Render the official PDF and sign it with each signer's key, in signing order."""
    letter.verify_token = secrets.token_urlsafe(32)
    pdf = letter_pdf(letter)
    signers = [
        s.acted_by
        for s in letter.steps.filter(round=letter.review_round, kind=StepKind.SIGN)
        .select_related("acted_by")
        .order_by("order")
    ]
    engine = signing.adapter()
    for i, user in enumerate(signers, start=1):
        pdf = engine.sign(
            pdf,
            user=user,
            field_name=f"TTE{i}",
            reason=f"Penandatanganan naskah dinas {letter.number}",
            location=letter.tenant.city,
        )
    letter.pdf.save(f"{letter.tenant.slug}-{letter.pk}.pdf", ContentFile(pdf), save=False)
    letter.pdf_sha256 = signing.sha256(pdf)


@transaction.atomic
def letter_sign_request(
    *,
    letter: Letter,
    by: User,
    password: str,
    second_factor: bool = False,
    mode: str = SigningMode.ELECTRONIC,
    note: str = "",
) -> Letter:
    """The signer confirms with their password (and a verified second factor); paper signing
    happens now, an electronic signature is prepared in the background. Raises
    PermissionDenied (also SecondFactorRequired), ValidationError (wrong password, no usable
    certificate) or TransitionNotAllowed (not waiting for a signature, already being signed)."""
    letter = row_lock(letter)
    if letter.state != LetterState.APPROVED:
        raise TransitionNotAllowed(_("This letter is not waiting for a signature."))
    if not policy.can_sign_letter(by, letter):
        raise PermissionDenied
    step = policy.current_step(letter)
    if step is not None:
        _authority_check(letter, step)
    # Whoever signs has verified a second factor in this session (or with this request's
    # code): the signing rule that lets them sign is the rule that makes them need one.
    if not second_factor:
        raise SecondFactorRequired(
            _("Signing needs two-step verification: confirm the code from your authenticator.")
        )
    # The module-level check never rehashes: a rehash saved here would change the session's
    # auth hash and log the signer out (an older hash is renewed at the next login instead).
    if not check_password(password or "", by.password):
        raise ValidationError(
            {
                "password": _(
                    "The password is not right. Type the password you log in with; "
                    "nothing was signed."
                )
            }
        )
    if mode not in SigningMode.values:
        raise ValidationError({"mode": _("Unknown signing mode.")})
    if mode != SigningMode.ELECTRONIC:
        return letter_sign(letter=letter, by=by, mode=mode, note=note)
    if letter.sign_pending_since and timezone.now() - letter.sign_pending_since < SIGN_PATIENCE:
        raise TransitionNotAllowed(_("This letter is already being signed."))
    try:
        signing.adapter().check(by)
    except signing.SigningError as exc:
        raise ValidationError({"password": exc.message}) from None
    letter.sign_pending_since, letter.sign_error = timezone.now(), ""
    letter.save(update_fields=["sign_pending_since", "sign_error", "updated_at"])
    object_changed("letter", letter.pk, action="letter.signing")
    # Imported here: tasks imports services (services → tasks → services).
    from ..tasks import letter_sign_task

    enqueue_with_transaction(letter_sign_task, letter.pk, by.pk, note)
    return letter


@transaction.atomic
def letter_sign_failed(*, letter_id: int, by: User, message: str) -> None:
    """Record why a background signature failed; the letter stays approved and unnumbered.
    Nothing is recorded when no background signature is pending any more (a second run of
    the task after the first signed, or a failure already told)."""
    letter = Letter.objects.select_for_update().get(pk=letter_id)
    if letter.sign_pending_since is None:
        return
    letter.sign_pending_since, letter.sign_error = None, message[:500]
    letter.save(update_fields=["sign_pending_since", "sign_error", "updated_at"])
    object_changed("letter", letter.pk, action="letter.sign_failed")
    letter_notify([by], Kind.LETTER_TO_SIGN, letter, _("Signing failed: %(s)s"))


def _number(letter: Letter) -> None:
    """Give the letter its number: from the register of the signing unit (the OPD), not the
    drafter's seksi; signed a.n., from the register of the post signed for (the responsibility
    stays with the mandating official, and so does the register)."""
    today = tenant_today(letter.tenant)
    unit = (letter.on_behalf_of or letter.signed_as).unit
    key = numbering.register_key(letter.letter_type, letter.tenant, unit, today.year)
    seq = numbering.counter_take(tenant_id=letter.tenant_id, key=key)
    letter.number_seq, letter.number_year, letter.number_unit = seq, today.year, unit
    letter.number = numbering.letter_number(letter, seq=seq, unit=unit, on=today)
