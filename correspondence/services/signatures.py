"""Signing: the signer's request (password, second factor), the signature itself with the
letter's number and sealed PDF, and a background signature's failure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets

from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from accounts.permissions import SecondFactorRequired
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
from ..pdf.build import SIGNED_FOOTER, letter_doc, letter_pdf, planned_signature_blocks
from .common import (
    letter_notify,
    tenant_today,
    transition_record,
)
from .review import step_advance, step_notify

log = logging.getLogger(__name__)


@transaction.atomic
def letter_sign(
    *,
    letter: Letter,
    by: User,
    mode: str = SigningMode.ELECTRONIC,
    note: str = "",
    passphrase: str = "",
) -> Letter:
    """The current signer signs, at their moment and with their own key (opened by their
    signing passphrase, never stored). The first signature fixes the letter: it is numbered
    (gapless, locked), rendered and its signature certifies the PDF; each further signer adds
    an incremental signature, the last one locking the document. Paper signing numbers at the
    last signature. Raises ValidationError, TransitionNotAllowed, PermissionDenied,
    SigningError (then nothing changed)."""
    letter = row_lock(letter)
    if mode not in SigningMode.values:
        raise ValidationError({"mode": _("Unknown signing mode.")})
    step = policy.current_step(letter)
    if step is None or step.kind != StepKind.SIGN:
        raise TransitionNotAllowed("no signature is waiting")
    _authority_check(letter, step)
    first, last, index = _place(letter, step, mode)
    fired = transition_fire(
        letter, "sign", by=by, last=last, mode=mode, signer=by, position=step.position
    )
    nxt = step_advance(letter, step, by, note)
    if mode == SigningMode.ELECTRONIC:
        engine = signing.adapter()
        engine.check(by)  # a signer without a usable certificate hears it before anything
        if first:
            _number(letter)
        _sign_pdf(letter, engine, by, passphrase, first=first, last=last, index=index)
    elif last:
        _number(letter)
    letter.sign_pending_since, letter.sign_error = None, ""
    action = "letter.signed" if last else "letter.cosigned"
    transition_record(letter, fired, action=action, by=by, position=step.position, note=note)
    if nxt is not None:
        step_notify(letter, nxt)
    else:
        letter_notify([letter.drafter], Kind.LETTER_SIGNED, letter, _("Signed: %(s)s"))
    return letter


def _place(letter: Letter, step: ReviewStep, mode: str) -> tuple[bool, bool, int]:
    """Whether this signature is the round's first and last, and its place (1, 2, …); a
    co-signer signs the way the first signer did."""
    orders = list(
        ReviewStep.objects.filter(
            letter=letter, round=letter.review_round, kind=StepKind.SIGN
        ).values_list("order", flat=True)
    )
    first, last = step.order == min(orders), step.order == max(orders)
    if not first and (mode == SigningMode.ELECTRONIC) != bool(letter.pdf):
        raise ValidationError(
            {
                "mode": _("This letter is being signed %(how)s; sign it the same way.")
                % {"how": _("electronically") if letter.pdf else _("on paper")}
            }
        )
    return first, last, orders.index(step.order) + 1


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


def _sign_pdf(
    letter: Letter, engine, by: User, passphrase: str, *, first: bool, last: bool, index: int
) -> None:
    """Add this signer's signature: the first renders the letter (its number, every signature
    block as planned) and certifies it; later ones sign the PDF as it stands."""
    if first:
        letter.verify_token = secrets.token_urlsafe(32)
        doc = letter_doc(letter, signer_blocks=planned_signature_blocks(letter))
        doc = dataclasses.replace(doc, signed_footer=SIGNED_FOOTER.format(issuer=engine.issuer(by)))
        pdf = letter_pdf(letter, doc=doc)
    else:
        with letter.pdf.open("rb") as fh:
            pdf = fh.read()
    spec = signing.SignSpec(
        field_name=f"TTE{index}",
        reason=f"Penandatanganan naskah dinas {letter.number}",
        location=letter.tenant.city,
        certify=first,
        lock=last,
    )
    pdf = engine.sign(pdf, user=by, passphrase=passphrase, spec=spec)
    _pdf_keep(letter, pdf)


# A letter is timestamped again this long before its last timestamp's certificate expires.
RENEW_MARGIN = dt.timedelta(days=365)


def _pdf_keep(letter: Letter, pdf: bytes) -> None:
    letter.pdf.save(f"{letter.tenant.slug}-{letter.pk}.pdf", ContentFile(pdf), save=False)
    letter.pdf_sha256 = signing.sha256(pdf)
    expiry = signing.last_timestamp_expiry(pdf)
    letter.pdf_renew_by = expiry - RENEW_MARGIN if expiry else None


def signatures_renew(*, limit: int = 200) -> int:
    """Add the revocation data of the last timestamp and a new document timestamp to signed
    letters due for it (each in its own transaction; a failure leaves that letter as it was and
    is tried again next run)."""
    due = Letter.objects.filter(pdf_renew_by__lte=timezone.now()).values_list("pk", flat=True)
    done = 0
    for pk in list(due[:limit]):
        try:
            with transaction.atomic():
                letter = Letter.objects.select_for_update().select_related("tenant").get(pk=pk)
                with letter.pdf.open("rb") as fh:
                    pdf = signing.archive_renew(fh.read(), tenant=letter.tenant)
                _pdf_keep(letter, pdf)
                letter.save(update_fields=["pdf", "pdf_sha256", "pdf_renew_by", "updated_at"])
                done += 1
        except signing.SigningError:
            log.warning("letter %s: document timestamp not renewed", pk, exc_info=True)
    return done


def letter_sign_request(
    *,
    letter: Letter,
    by: User,
    password: str = "",
    passphrase: str = "",
    second_factor: bool = False,
    mode: str = SigningMode.ELECTRONIC,
    note: str = "",
) -> Letter:
    """The signer signs now, in this request: electronically with their signing passphrase
    (which opens their key for this one signature and is never stored or queued), on paper
    with their login password; both after a verified second factor. Raises PermissionDenied
    (also SecondFactorRequired), ValidationError (a wrong secret, no usable certificate, a
    provider that failed: then the letter is unchanged and the reason is kept on it, and a
    wrong passphrase carries the code "wrong_passphrase" for the lockout) or
    TransitionNotAllowed."""
    with transaction.atomic():
        letter = row_lock(letter)
        _request_check(letter, by, second_factor=second_factor, mode=mode)
        if mode != SigningMode.ELECTRONIC:
            # The module-level check never rehashes: a rehash saved here would change the
            # session's auth hash and log the signer out.
            if not check_password(password or "", by.password):
                raise ValidationError(
                    {
                        "password": _(
                            "The password is not right. Type the password you log in with; "
                            "nothing was signed."
                        )
                    }
                )
            return letter_sign(letter=letter, by=by, mode=mode, note=note)
    try:
        return letter_sign(letter=letter, by=by, mode=mode, note=note, passphrase=passphrase)
    except signing.SigningError as exc:
        if exc.code != signing.WRONG_PASSPHRASE:  # a typo is told at once, not kept
            letter_sign_failed(letter_id=letter.pk, by=by, message=exc.message)
        raise ValidationError({"passphrase": ValidationError(exc.message, code=exc.code)}) from None


def _request_check(letter: Letter, by: User, *, second_factor: bool, mode: str) -> None:
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
    if mode not in SigningMode.values:
        raise ValidationError({"mode": _("Unknown signing mode.")})


@transaction.atomic
def letter_sign_failed(*, letter_id: int, by: User, message: str) -> None:
    """Keep why a signature failed on the letter (shown to its signer); the letter stays as it
    was, waiting for that signature."""
    letter = Letter.objects.select_for_update().get(pk=letter_id)
    letter.sign_pending_since, letter.sign_error = None, message[:500]
    letter.save(update_fields=["sign_pending_since", "sign_error", "updated_at"])
    object_changed("letter", letter.pk, action="letter.sign_failed")


def _number(letter: Letter) -> None:
    """Give the letter its number: from the register of the signing unit (the OPD), not the
    drafter's seksi; signed a.n., from the register of the post signed for (the responsibility
    stays with the mandating official, and so does the register)."""
    if letter.number:  # signed once, returned and signed again: it keeps its number
        return
    today = tenant_today(letter.tenant)
    unit = (letter.on_behalf_of or letter.signed_as or letter.signer_position).unit
    key = numbering.register_key(letter.letter_type, letter.tenant, unit, today.year)
    seq = numbering.counter_take(tenant_id=letter.tenant_id, key=key)
    letter.number_seq, letter.number_year, letter.number_unit = seq, today.year, unit
    letter.number = numbering.letter_number(letter, seq=seq, unit=unit, on=today)
