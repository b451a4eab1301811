"""What the pages of the archive's acts (disposal proposals, transfers) share for the
electronic signature of their filed report: the form's state and the signing step."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ..registry import act_signer


def report_sign_context(user, *, may_sign: bool) -> dict[str, bool]:
    """The page's signing form: shown to the named official (`may_sign`), as a form once
    their session passed a second factor, else as a link to pass it."""
    signer = act_signer()
    return {
        "sign_report": may_sign,
        "sign_verified": may_sign and signer is not None and signer.verified(user),
    }


def report_sign_run(request, sign: Callable[..., object]) -> bool:
    """Run `sign(by=, passphrase=, second_factor=)` for the official with the passphrase they
    typed: a wrong one counts toward the lockout, and a refusal with a reason (locked out, no
    second factor) is told on the page. Whether it signed; other refusals are raised."""
    user, signer = request.user, act_signer()
    if signer is None:
        raise ValidationError(_("Electronic signing is not available on this server."))
    try:
        signer.guard(request, user)
        sign(
            by=user,
            passphrase=request.POST.get("passphrase", ""),
            second_factor=signer.verified(user),
        )
    except ValidationError as exc:
        signer.refused(request, user, exc)
        raise
    except PermissionDenied as exc:
        if not exc.args:
            raise
        messages.error(request, str(exc.args[0]))
        return False
    return True
