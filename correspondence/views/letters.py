"""The letter page and what is done on it: its actions, comments, dispatch off the platform."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.lockout import is_wrong_passphrase, secret_failed, secret_guard
from accounts.permissions import has_second_factor
from core import offline
from core.offline import offline_page

from .. import hooks, selectors
from .. import permissions as policy
from .. import services as svc
from ..forms import (
    AttachmentForm,
    CommentForm,
    NoteForm,
    RescheduleForm,
    SignForm,
)
from ..tracking import letter_page_acting
from .common import acts, client_of, letter_url


@login_required
@offline_page
def letter_detail(request, pk):
    """The letter page: the letter, its route, deliveries, dispositions, timeline, and what
    the user may do with it."""
    user = request.user
    letter = selectors.letter_get_for_user(user, pk)
    offline.mark_confidential(request, confidential=letter.is_confidential)
    svc.letter_opened(letter=letter, by=user, **client_of(request))
    step = policy.current_step(letter)
    route = svc.route_propose(letter) if letter.state == "draft" else []
    context = {
        "letter": letter,
        "step": step,
        "diff": svc.changes_since_last_look(letter, user),
        "handled": selectors.handled_deliveries_of(user, letter),
        "can": policy.letter_actions(user, letter),
        "route": route,
        "reviewer_choices": (
            selectors.reviewer_choices(letter)
            if letter.state == "draft" and not route and svc.review_needed(letter)
            else None
        ),
        "note_form": NoteForm(),
        "sign_form": SignForm(),
        "attachment_form": AttachmentForm(),
        "comment_form": CommentForm(),
        "reschedule_form": RescheduleForm(
            initial={
                "event_start": letter.event_start,
                "event_end": letter.event_end,
                "event_location": letter.event_location,
            }
        ),
        "archived": (
            hooks.archived_record(letter, user) if letter.closed_at or letter.sent_at else None
        ),
        **selectors.letter_page(user, letter),
    }
    context |= letter_page_acting(user, letter, context["deliveries"])
    if context["can"]["access_log"]:
        context["access_log"] = selectors.letter_access_log(user, letter)
    return render(request, "correspondence/letter.html", context)


def _chosen_route(letter, user, post) -> list | None:
    """The reviewers the drafter picked on the page (when none was proposed), else None for
    the proposed route."""
    raw = [i.strip() for i in post.getlist("route") if i.strip()]
    if not raw:
        return None
    try:
        ids = list(dict.fromkeys(int(i) for i in raw if len(i) <= 18))
    except ValueError:
        ids = []
    chosen = selectors.reviewer_choices(letter).in_bulk(ids)
    if not ids or len(ids) != len(raw) or len(chosen) != len(ids):
        raise ValidationError({"route": _("Unknown reviewer.")})
    return [chosen[i] for i in ids]


ACTIONS = {
    "submit": lambda letter, user, post: svc.letter_submit(
        letter=letter, by=user, route=_chosen_route(letter, user, post)
    ),
    "approve": lambda letter, user, post: svc.letter_approve(
        letter=letter, by=user, note=post.get("note", "")
    ),
    "return": lambda letter, user, post: svc.letter_return(
        letter=letter, by=user, note=post.get("note", "")
    ),
    "withdraw": lambda letter, user, post: svc.letter_withdraw(letter=letter, by=user),
    "cancel": lambda letter, user, post: svc.letter_cancel(letter=letter, by=user),
    # The form's one secret field is the signing passphrase (electronic) or the login
    # password (paper): the service takes the one the mode needs.
    "sign": lambda letter, user, post: svc.letter_sign_request(
        letter=letter,
        by=user,
        password=post.get("password", ""),
        passphrase=post.get("password", ""),
        second_factor=has_second_factor(user),
        mode=post.get("mode", "electronic"),
    ),
    "send": lambda letter, user, post: svc.letter_send(letter=letter, by=user),
    "retract": lambda letter, user, post: svc.letter_retract(
        letter=letter, by=user, reason=post.get("note", "")
    ),
    "reschedule": lambda letter, user, post: svc.letter_reschedule(
        letter=letter, by=user, **RescheduleForm.parsed(post)
    ),
    "close": lambda letter, user, post: svc.letter_close(letter=letter, by=user),
}


DONE = {
    "submit": _("Submitted."),
    "approve": _("Approved (paraf)."),
    "return": _("Returned to the drafter."),
    "withdraw": _("Withdrawn to draft."),
    "cancel": _("Draft cancelled."),
    "sign": _("Signed."),
    "send": _("Sent."),
    "retract": _("Retracted."),
    "reschedule": _("The event moved; everyone on it was told."),
    "close": _("Closed: the letter is being filed in the archive."),
}


@acts
def letter_action(request, pk, action):
    letter = selectors.letter_get_for_user(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    if action == "sign":
        secret_guard(request, request.user)
    try:
        ACTIONS[action](letter, request.user, request.POST)
    except ValidationError as exc:
        if is_wrong_passphrase(exc):
            secret_failed(request, request.user)
        raise
    messages.success(request, DONE[action])
    return redirect(letter_url(letter))


@acts
def comment(request, pk):
    letter = selectors.letter_get_for_user(request.user, pk)
    svc.comment_add(letter=letter, by=request.user, text=request.POST.get("text", ""))
    return redirect(letter_url(letter) + "#comments")


@acts
def dispatch_external(request, pk, recipient_id):
    letter = selectors.letter_get_for_user(request.user, pk)
    recipient = letter.recipients.filter(pk=recipient_id).first()
    if recipient is None:
        raise Http404
    svc.recipient_mark_dispatched(recipient=recipient, by=request.user)
    return redirect(letter_url(letter))
