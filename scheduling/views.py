"""Calendar pages: personal, unit and room calendars, one event, the feed (thin)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core import offline
from core.actions import form_refusal, post_action, say_refusal
from core.files import protected_file_response
from core.offline import offline_page
from organizations.choices import TimeZone
from organizations.models import Unit, User

from . import ical, selectors
from . import permissions as policy
from . import services as svc
from .choices import CalendarView
from .forms import BookingForm, EventForm, RescheduleForm, RsvpForm
from .models import Room
from .querysets import unit_ids_of
from .registry import minutes_lookup


def _anchor(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date") or "")
    except ValueError:
        return timezone.localdate()


def _view(request) -> str:
    view = request.GET.get("view", CalendarView.MONTH)
    return view if view in CalendarView.values else CalendarView.MONTH


def _calendar(request, *, title: str, slots_for, extra=None):
    zone = request.user.tenant.time_zone
    window = selectors.calendar_window(_view(request), _anchor(request), zone)
    slots = slots_for(window.start, window.end)
    days = selectors.slots_by_day(slots, window.days, zone)
    mask = offline.mask_rows(
        request, any_confidential=any(s.event and s.event.is_confidential for s in slots)
    )
    context = {
        "mask_confidential": mask,
        "title": title,
        "window": window,
        "days": days,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "views": CalendarView.choices,
        "today": timezone.localdate(),
        "my_units": Unit.objects.filter(pk__in=unit_ids_of(request.user)),
        "rooms": selectors.rooms_for(request.user),
        **(extra or {}),
    }
    return render(request, "scheduling/calendar.html", context)


@login_required
@offline_page
def calendar_personal(request):
    user = request.user
    feed = selectors.feed_live(user)
    return _calendar(
        request,
        title=_("My calendar"),
        slots_for=lambda start, end: selectors.calendar_events(viewer=user, start=start, end=end),
        extra={"feed": feed, "feed_url": request.session.pop("feed_url", ""), "personal": True},
    )


@login_required
def calendar_unit(request, pk):
    unit = Unit.objects.filter(tenant_id=request.user.tenant_id, pk=pk).first()
    if unit is None:
        raise Http404
    return _calendar(
        request,
        title=_("Calendar of %(unit)s") % {"unit": unit.name},
        slots_for=lambda start, end: selectors.calendar_events(
            viewer=request.user, start=start, end=end, unit=unit
        ),
        extra={"unit": unit},
    )


@login_required
def calendar_room(request, pk):
    room = Room.objects.filter(tenant_id=request.user.tenant_id, pk=pk).first()
    if room is None:
        raise Http404
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            try:
                svc.room_booking_create(room=room, by=request.user, **form.cleaned_data)
            except svc.RoomClash as clash:
                messages.error(request, clash.messages[0])
            except PermissionDenied:
                messages.error(request, _("You may not do that."))
            except ValidationError as exc:
                say_refusal(request, exc)
            else:
                messages.success(request, _("Room booked."))
                return redirect(request.get_full_path())
        else:
            messages.error(request, _("Check the booking: purpose, from and until."))
    return _calendar(
        request,
        title=_("Room %(room)s (capacity %(n)s)") % {"room": room, "n": room.capacity},
        slots_for=lambda start, end: selectors.room_calendar(
            viewer=request.user, room=room, start=start, end=end
        ),
        extra={"room": room, "booking_form": BookingForm()},
    )


@login_required
def event_detail(request, pk):
    event = selectors.event_get_for_user(request.user, pk)
    me = selectors.attendee_of(event, request.user)
    attendees = selectors.event_attendees(event)
    manage = policy.can_manage_event(request.user, event)
    context = {
        "event": event,
        "me": me,
        "my_clash": any(a.clash for a in attendees if me and a.pk == me.pk),
        "attendees": attendees,
        "manage": manage,
        "started": event.starts_at <= timezone.now(),
        "zone_abbr": TimeZone.abbreviation(request.user.tenant.time_zone),
        "rsvp_form": RsvpForm(),
        "subordinates": (
            selectors.subordinates_of(me) if me and policy.can_respond(request.user, me) else []
        ),
        "reschedule_form": RescheduleForm(
            user=request.user,
            initial={
                "starts_at": timezone.localtime(event.starts_at),
                "ends_at": timezone.localtime(event.ends_at),
                "room": event.room_id,
                "location": event.location,
            },
        )
        if manage and event.source_id is None
        else None,
    }
    return render(request, "scheduling/event.html", context)


@login_required
def event_ics(request, pk):
    event = selectors.event_get_for_user(request.user, pk)
    base = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(ical.event_ics(event, base_url=base), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="acara-{event.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def minutes_download(request, pk):
    event = selectors.event_get_for_user(request.user, pk)
    if not event.minutes_file:
        raise Http404
    return protected_file_response(
        event.minutes_file,
        filename=event.minutes_name or "notulen",
        content_type="application/octet-stream",
        confidential=event.is_confidential,
    )


def _back(request, pk=None, **kwargs) -> str:
    return reverse("scheduling:event", args=[pk]) if pk else reverse("scheduling:calendar")


acts = post_action(_back)


@acts
def event_action(request, pk, action):
    """One POST action on an event page; the decisions live in the services and the policy."""
    event = selectors.event_get_for_user(request.user, pk)
    handler = _EVENT_ACTIONS.get(action)
    if handler is None:
        raise Http404
    handler(request, event)
    return redirect("scheduling:event", pk=event.pk)


def _respond(request, event) -> None:
    me = policy.attendee_access(request.user, event)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Answer attend or decline."))
    svc.attendee_respond(attendee=me, by=request.user, **form.cleaned_data)
    messages.success(request, _("Your answer is saved."))


def _delegate(request, event) -> None:
    me = policy.attendee_access(request.user, event)
    to_user = User.objects.filter(pk=_int(request.POST.get("to_user")), tenant=request.user.tenant)
    if not to_user:
        raise ValidationError(_("Choose someone who works under you."))
    stand_in = svc.attendee_delegate(attendee=me, by=request.user, to_user=to_user[0])
    messages.success(
        request, _("%(name)s attends in your place.") % {"name": stand_in.user.display_name}
    )


def _attendance(request, event) -> None:
    present = [_int(v) for v in request.POST.getlist("present")]
    svc.attendance_record(event=event, by=request.user, present=present)
    messages.success(request, _("Attendance saved."))


def _minutes(request, event) -> None:
    link = {}
    if request.POST.get("letter"):
        found = minutes_lookup(request.user, request.POST["letter"][:120])
        if found is None:
            raise ValidationError(_("No letter with that number that you may open."))
        link = {"label": found[0], "url": found[1]}
    svc.event_minutes_attach(event=event, by=request.user, upload=request.FILES.get("file"), **link)
    messages.success(request, _("Minutes attached."))


def _cancel(request, event) -> None:
    svc.event_cancel(event=event, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Event cancelled."))


def _reschedule(request, event) -> None:
    form = RescheduleForm(request.POST, user=request.user)
    if not form.is_valid():
        raise ValidationError([e for errs in form.errors.values() for e in errs])
    svc.event_reschedule(event=event, by=request.user, **form.cleaned_data)
    messages.success(request, _("Event moved."))


_EVENT_ACTIONS = {
    "respond": _respond,
    "delegate": _delegate,
    "attendance": _attendance,
    "minutes": _minutes,
    "cancel": _cancel,
    "reschedule": _reschedule,
}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def event_new(request):
    units = Unit.objects.filter(pk__in=unit_ids_of(request.user))
    form = EventForm(request.POST or None, user=request.user, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            event = svc.event_create(by=request.user, **form.cleaned_data)
        except svc.RoomClash as clash:
            form.add_error("room", clash.messages[0])
        except PermissionDenied:
            form.add_error(None, _("You may not organise for this unit."))
        except ValidationError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("Event created."))
            return redirect("scheduling:event", pk=event.pk)
    return render(request, "scheduling/event_form.html", {"form": form})


@acts
def feed_manage(request):
    if request.POST.get("action") == "revoke":
        svc.feed_revoke(user=request.user)
        messages.success(request, _("The subscription link no longer works."))
    else:
        token = svc.feed_create(user=request.user)
        request.session["feed_url"] = request.build_absolute_uri(
            reverse("scheduling:feed", args=[token])
        )
        messages.success(request, _("A new subscription link was made; the old one stopped."))
    return redirect("scheduling:calendar")


@never_cache
def feed(request, token):
    """The private subscription feed: the token is the credential, a revoked one is a 404."""
    feed_row = selectors.feed_for_token(token, tenant=getattr(request, "tenant", None))
    if feed_row is None:
        raise Http404
    svc.calendar_feed_touch(feed=feed_row)
    user = feed_row.user
    body = ical.feed_ics(
        selectors.feed_events(user),
        name=f"Naskah — {user.display_name}",
        zone=user.tenant.time_zone,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
