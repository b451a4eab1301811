"""HTML pages of correspondence: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accounts.permissions import has_second_factor
from core.actions import post_action
from core.files import protected_file_response
from organizations.models import Position, User

from . import hooks, selectors, signing
from . import permissions as policy
from . import services as svc
from .choices import AttachmentKind, StepKind
from .forms import (
    AttachmentForm,
    CommentForm,
    DelegationForm,
    DispositionForm,
    InboxFilterForm,
    IncomingForm,
    LetterForm,
    NoteForm,
    ReportForm,
    RescheduleForm,
    ReserveForm,
    SignForm,
    VerifyUploadForm,
)
from .models import Delegation, LetterType, NumberReservation
from .pdf.sheet import disposition_sheet_pdf

PAGE = 25


def _page(request, qs, *, count: int | None = None):
    paginator = Paginator(qs, PAGE)
    if count is not None:  # already counted together with other figures of the page
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def _client(request) -> dict:
    return {
        "ip": request.META.get("REMOTE_ADDR"),
        "agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def _letter_url(letter) -> str:
    return reverse("correspondence:letter", args=[letter.pk])


def _back(request, **kwargs) -> str:
    back = request.POST.get("back", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False)
    return back if back and safe else reverse("home")


acts = post_action(
    _back,
    conflicts=(TransitionNotAllowed, ConcurrentTransition, svc.StaleEdit),
    conflict_message=gettext_lazy("That was already done, or the letter has moved on."),
)


# --- lists ---
@login_required
def inbox(request):
    units = selectors.inbox_unit_list(request.user)
    personal = request.GET.get("tab") == "personal" or not units
    unit = None
    if not personal:
        unit_id = request.GET.get("unit")
        unit = next((u for u in units if str(u.pk) == unit_id), units[0])
    filters = InboxFilterForm(request.GET or None)
    f = filters.to_filter()
    day = timezone.localdate()  # one day for the list and its kept figures
    qs = selectors.inbox_list(request.user, unit=unit, personal=personal, f=f, on=day)
    total, unread = selectors.inbox_counts(qs, user=request.user, unit=unit, f=f, on=day)
    context = {
        "page": _page(request, qs, count=total),
        "units": units,
        "unit": unit,
        "personal": personal,
        "filters": filters,
        "unread": unread,
    }
    template = "correspondence/_inbox_rows.html" if request.htmx else "correspondence/inbox.html"
    return render(request, template, context)


@login_required
def outbox(request):
    filters = InboxFilterForm(request.GET or None)
    qs = selectors.outbox_list(request.user, f=filters.to_filter())
    return render(
        request, "correspondence/outbox.html", {"page": _page(request, qs), "filters": filters}
    )


@login_required
def drafts(request):
    qs = selectors.drafts_list(request.user)
    return render(request, "correspondence/drafts.html", {"page": _page(request, qs)})


@login_required
def awaiting(request):
    return render(
        request,
        "correspondence/awaiting.html",
        {
            "to_review": selectors.awaiting_list(request.user, StepKind.REVIEW),
            "to_sign": selectors.awaiting_list(request.user, StepKind.SIGN),
            "to_confirm": selectors.dispositions_to_confirm(request.user),
        },
    )


@login_required
def dispositions(request):
    qs = selectors.dispositions_to_me(request.user)
    return render(request, "correspondence/dispositions.html", {"page": _page(request, qs)})


# --- compose and edit ---
@login_required
def compose(request):
    form = LetterForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                letter = svc.letter_create(
                    by=request.user, recipients=form.recipients(), **form.letter_fields()
                )
                if form.cleaned_data["attachment"]:
                    svc.attachment_add(
                        letter=letter, by=request.user, upload=form.cleaned_data["attachment"]
                    )
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do that."))
        else:
            messages.success(request, _("Draft saved."))
            return redirect(_letter_url(letter))
    return render(request, "correspondence/compose.html", {"form": form})


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else None
            if name == "recipients":
                target = "to_units"
            for e in errors:
                form.add_error(target, e)
    else:
        for e in exc.messages:
            form.add_error(None, e)


@login_required
def edit(request, pk):
    letter = selectors.letter_get_for_user(request.user, pk)
    if not policy.can_edit_letter(request.user, letter):
        messages.warning(request, _("Only the drafter can edit a draft."))
        return redirect(_letter_url(letter))
    form = LetterForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=LetterForm.initial_for(letter),
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                svc.letter_update(
                    letter=letter,
                    by=request.user,
                    expected_version=form.cleaned_data["version"] or letter.version,
                    recipients=form.recipients(),
                    **form.letter_fields(),
                )
                if form.cleaned_data["attachment"]:
                    svc.attachment_add(
                        letter=letter, by=request.user, upload=form.cleaned_data["attachment"]
                    )
        except svc.StaleEdit:
            form.add_error(None, _("Someone saved this draft after you opened it. Reload it."))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect(_letter_url(letter))
    return render(request, "correspondence/compose.html", {"form": form, "letter": letter})


# --- the letter page ---
@login_required
def letter_detail(request, pk):
    user = request.user
    letter = selectors.letter_get_for_user(user, pk)
    svc.letter_opened(letter=letter, by=user, **_client(request))
    step = policy.current_step(letter)
    route = svc.route_propose(letter) if letter.state == "draft" else []
    context = {
        "letter": letter,
        "step": step,
        "diff": svc.changes_since_last_look(letter, user),
        "handled": selectors.handled_deliveries_of(user, letter),
        "can": {
            "edit": policy.can_edit_letter(user, letter),
            "submit": policy.can_submit_letter(user, letter),
            "review": policy.can_review_letter(user, letter),
            "sign": policy.can_sign_letter(user, letter),
            "return": policy.can_return_letter(user, letter),
            "withdraw": policy.can_withdraw_letter(user, letter),
            "send": policy.can_send_letter(user, letter),
            "scan": policy.can_upload_scan(user, letter),
            "retract": policy.can_retract_letter(user, letter),
            "reschedule": policy.can_reschedule_letter(user, letter),
            "close": policy.can_close_letter(user, letter),
            "comment": policy.can_comment_letter(user, letter),
            "access_log": policy.can_view_access_log(user, letter) and letter.is_confidential,
            "dispatch": policy.can_dispatch_external(user, letter),
        },
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
    if context["can"]["access_log"]:
        from workflows.models import SecurityEvent

        context["access_log"] = (
            SecurityEvent.objects.filter(
                content_type__model="letter", object_id=letter.pk, tenant_id=user.tenant_id
            )
            .select_related("user")
            .order_by("-id")[:100]
        )
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
    "sign": lambda letter, user, post: svc.letter_sign_request(
        letter=letter,
        by=user,
        password=post.get("password", ""),
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
    "sign": _("Signing: the PDF is being prepared and signed; this page updates itself."),
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
    ACTIONS[action](letter, request.user, request.POST)
    messages.success(request, DONE[action])
    return redirect(_letter_url(letter))


@acts
def attachment_upload(request, pk):
    letter = selectors.letter_get_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(_letter_url(letter))
    kind = AttachmentKind.SCAN if form.cleaned_data["scan"] else AttachmentKind.ATTACHMENT
    svc.attachment_add(letter=letter, by=request.user, upload=form.cleaned_data["file"], kind=kind)
    messages.success(request, _("File attached."))
    return redirect(_letter_url(letter))


@acts
def attachment_delete(request, pk):
    att = selectors.attachment_get_for_user(request.user, pk)
    svc.attachment_remove(attachment=att, by=request.user)
    return redirect(_letter_url(att.letter))


@login_required
def attachment_download(request, pk):
    """Serve a file only after the access check; never cached when confidential."""
    att = selectors.attachment_get_for_user(request.user, pk)
    svc.attachment_downloaded(attachment=att, by=request.user, **_client(request))
    return protected_file_response(
        att.file,
        filename=att.original_name,
        content_type=att.content_type,
        as_attachment=request.GET.get("inline") != "1",
        confidential=att.letter.is_confidential,
    )


@login_required
def letter_pdf_download(request, pk):
    """The signed PDF, in one click, after the same access check as the letter page."""
    letter = selectors.letter_get_for_user(request.user, pk)
    if not letter.pdf:
        raise Http404
    svc.letter_pdf_downloaded(letter=letter, by=request.user, **_client(request))
    name = f"{(letter.number or str(letter.pk)).replace('/', '-')}.pdf"
    return protected_file_response(
        letter.pdf,
        filename=name,
        content_type="application/pdf",
        as_attachment=request.GET.get("inline") != "1",
        confidential=letter.is_confidential,
    )


@login_required
def disposition_sheet(request, pk):
    """The lembar disposisi of a delivery as PDF."""
    delivery = selectors.delivery_get_for_user(request.user, pk)
    data = disposition_sheet_pdf(
        delivery, tree=selectors.disposition_tree(request.user, delivery.letter)
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = (delivery.agenda_number or str(delivery.pk)).replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="disposisi-{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def verify(request, token):
    """Public: what a QR code on a signed letter opens (on the tenant's own host)."""
    letter = selectors.letter_by_token(request.tenant, token)
    if letter is None:
        raise Http404
    check = None
    uploaded = None
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        uploaded = {
            "identical": signing.sha256(data) == letter.pdf_sha256,
            "check": signing.pdf_validate(data, tenant=letter.tenant),
        }
    elif letter.pdf:
        with letter.pdf.open("rb") as fh:
            check = signing.pdf_validate(fh.read(), tenant=letter.tenant)
    return render(
        request,
        "correspondence/verify.html",
        {
            "letter": letter,
            "check": check,
            "uploaded": uploaded,
            "form": form,
            "show_subject": not letter.is_confidential,
        },
    )


@acts
def comment(request, pk):
    letter = selectors.letter_get_for_user(request.user, pk)
    svc.comment_add(letter=letter, by=request.user, text=request.POST.get("text", ""))
    return redirect(_letter_url(letter) + "#comments")


@acts
def dispatch_external(request, pk, recipient_id):
    letter = selectors.letter_get_for_user(request.user, pk)
    recipient = letter.recipients.filter(pk=recipient_id).first()
    if recipient is None:
        raise Http404
    svc.recipient_mark_dispatched(recipient=recipient, by=request.user)
    return redirect(_letter_url(letter))


# --- deliveries and dispositions ---
@login_required
def disposition_new(request, pk):
    delivery = selectors.delivery_get_for_user(request.user, pk)
    parent = None
    if request.GET.get("parent") or request.POST.get("parent"):
        parent = selectors.disposition_get_for_user(
            request.user, request.GET.get("parent") or request.POST.get("parent")
        )
        issued_as = parent.to_position
    else:
        issued_as = (
            delivery.position
            or Position.objects.filter(unit_id=delivery.unit_id, is_head=True).first()
        )
    prepare = not policy.can_disposition_delivery(request.user, delivery) and parent is None
    below = policy.positions_below(issued_as) if issued_as else []
    form = DispositionForm(
        request.POST or None,
        positions=below,
        instructions=selectors.instructions_for(delivery.tenant_id),
    )
    # For an invitation: who below is already expected elsewhere at that time.
    busy = hooks.event_clashes(delivery.letter, [p.pk for p in below])
    clashes = [(p, busy[p.pk]) for p in below if p.pk in busy]
    if request.method == "POST" and form.is_valid():
        try:
            svc.disposition_create(
                delivery=delivery,
                by=request.user,
                parent=parent,
                prepare=prepare,
                to_positions=list(form.cleaned_data["to_positions"]),
                instructions=form.cleaned_data["instructions"],
                note=form.cleaned_data["note"],
                due_date=form.cleaned_data["due_date"],
                urgency=form.cleaned_data["urgency"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except (PermissionDenied, TransitionNotAllowed):
            raise Http404 from None
        else:
            messages.success(request, _("Disposition sent.") if not prepare else _("Prepared."))
            return redirect(_letter_url(delivery.letter))
    return render(
        request,
        "correspondence/disposition_form.html",
        {
            "form": form,
            "delivery": delivery,
            "parent": parent,
            "prepare": prepare,
            "clashes": clashes,
        },
    )


@acts
def delivery_finish(request, pk):
    delivery = selectors.delivery_get_for_user(request.user, pk)
    svc.delivery_finish(delivery=delivery, by=request.user)
    messages.success(request, _("Marked as done."))
    return redirect(_letter_url(delivery.letter))


@login_required
def disposition_report(request, pk):
    d = selectors.disposition_get_for_user(request.user, pk)
    if request.method == "GET" and policy.can_act_on_disposition(request.user, d):
        svc.disposition_open(disposition=d, by=request.user)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.disposition_report(
                disposition=d,
                by=request.user,
                text=form.cleaned_data["text"],
                upload=form.cleaned_data["file"],
            )
        except (TransitionNotAllowed, ConcurrentTransition):
            messages.warning(request, _("That was already done, or the letter has moved on."))
        except PermissionDenied:
            messages.error(request, _("You may not do that."))
        else:
            messages.success(request, _("Report sent."))
        return redirect(_letter_url(d.letter))
    return render(request, "correspondence/report_form.html", {"form": form, "disposition": d})


DISPOSITION_ACTIONS = {
    "confirm": svc.disposition_confirm,
    "cancel": svc.disposition_cancel,
    "open": svc.disposition_open,
}


@acts
def disposition_action(request, pk, action):
    d = selectors.disposition_get_for_user(request.user, pk)
    if action not in DISPOSITION_ACTIONS:
        raise Http404
    DISPOSITION_ACTIONS[action](disposition=d, by=request.user)
    return redirect(_letter_url(d.letter))


# --- the registry: incoming paper, reserved numbers; delegation ---
@login_required
def incoming_new(request):
    units = selectors.inbox_units(request.user).filter(
        roles__user=request.user, roles__kind__in=["registry_clerk", "secretary"]
    )
    if not units.exists():
        raise Http404
    form = IncomingForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = svc.incoming_register(
                by=request.user,
                unit=data["unit"],
                sender_name=data["sender_name"],
                sender_number=data["sender_number"],
                sender_date=data["sender_date"],
                received_date=data["received_date"],
                subject=data["subject"],
                classification_code=data["classification_code"],
                security=data["security"],
                urgency=data["urgency"],
                addressed_position=data["addressed_position"],
                scan=data["scan"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Registered as %(n)s.") % {"n": delivery.agenda_number})
            return redirect(_letter_url(delivery.letter))
    return render(request, "correspondence/incoming_form.html", {"form": form})


@login_required
def reservations(request):
    units = selectors.inbox_units(request.user).filter(
        roles__user=request.user, roles__kind__in=["registry_clerk", "secretary"]
    )
    if not units.exists():
        raise Http404
    form = ReserveForm(request.POST or None)
    form.fields["unit"].queryset = units
    form.fields["letter_type"].queryset = LetterType.objects.filter(
        tenant_id=request.user.tenant_id, is_active=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            rows = svc.numbers_reserve(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Reserved %(a)s to %(b)s.") % {"a": rows[0].number, "b": rows[-1].number}
            )
            return redirect("correspondence:reservations")
    rows = NumberReservation.objects.filter(unit__in=units).select_related("letter_type", "unit")
    return render(
        request,
        "correspondence/reservations.html",
        {"form": form, "page": _page(request, rows)},
    )


@acts
def reservation_action(request, pk, action):
    row = selectors.reservation_for_user(request.user, pk)
    if row is None or action not in ("bind", "release"):
        raise Http404
    if action == "release":
        svc.reservation_release(
            reservation=row, by=request.user, reason=request.POST.get("reason", "")
        )
    else:
        scan = request.FILES.get("scan")
        if scan is None:
            raise ValidationError(_("Attach the scan."))
        svc.reservation_bind(
            reservation=row, by=request.user, subject=request.POST.get("subject", ""), scan=scan
        )
    return redirect("correspondence:reservations")


@login_required
def delegations(request):
    form = DelegationForm(request.POST or None)
    form.fields["delegate"].queryset = User.objects.filter(
        tenant_id=request.user.tenant_id, is_active=True
    ).exclude(pk=request.user.pk)
    if request.method == "POST" and form.is_valid():
        try:
            svc.delegation_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("correspondence:delegations")
    return render(
        request,
        "correspondence/delegations.html",
        {"form": form, "rows": selectors.delegations_of(request.user)},
    )


@require_POST
@login_required
def delegation_end(request, pk):
    row = Delegation.objects.filter(tenant_id=request.user.tenant_id, pk=pk).first()
    if row is None:
        raise Http404
    try:
        svc.delegation_end(delegation=row, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    return redirect("correspondence:delegations")
