"""The lists: inbox, outbox, drafts, awaiting my paraf or signature, dispositions to me."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from core import offline
from core.offline import offline_page
from workflows.choices import SecurityLevel

from .. import selectors
from ..choices import StepKind
from ..forms import (
    InboxFilterForm,
)
from ..tracking import senders_attach
from .common import page_of


@login_required
@offline_page
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
    page = page_of(request, qs, count=total)
    page.object_list = list(page.object_list)
    senders_attach([d.letter for d in page.object_list])
    # The offline copy the service worker keeps shows confidential rows masked.
    mask = offline.mask_rows(
        request, any_confidential=any(d.is_confidential for d in page.object_list)
    )
    context = {
        "mask_confidential": mask,
        "page": page,
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
        request, "correspondence/outbox.html", {"page": page_of(request, qs), "filters": filters}
    )


@login_required
def drafts(request):
    qs = selectors.drafts_list(request.user)
    return render(request, "correspondence/drafts.html", {"page": page_of(request, qs)})


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
    page = page_of(request, selectors.dispositions_to_me(request.user))
    page.object_list = list(page.object_list)
    confidential = SecurityLevel.confidential()
    offline.mark_confidential(
        request, confidential=any(d.security in confidential for d in page.object_list)
    )
    return render(request, "correspondence/dispositions.html", {"page": page})
