"""Calendar API: events in a range, one event, create, answer, cancel; rooms and bookings."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.api import validated
from organizations.models import Position, Unit, User

from .. import permissions as policy
from .. import selectors
from .. import services as svc
from ..choices import BookingState, Rsvp
from ..models import Event, Room, RoomBooking
from ..querysets import unit_ids_of
from . import serializers as s


def _moment(value: str | None, field: str) -> dt.datetime:
    """An ISO date-time, or a date (its midnight in the active, i.e. tenant's, zone)."""
    found = parse_datetime(value or "") if value and "T" in value else None
    if found is None and value:
        day = parse_date(value)
        if day is not None:
            found = dt.datetime.combine(day, dt.time.min, timezone.get_current_timezone())
    if found is None:
        raise ValidationError({field: "Give an ISO date or date-time."})
    return found if timezone.is_aware(found) else timezone.make_aware(found)


def _range(request) -> tuple[dt.datetime, dt.datetime]:
    start = _moment(request.query_params.get("from"), "from")
    end = _moment(request.query_params.get("to"), "to")
    try:
        selectors.range_check(start, end)
    except ValueError:
        raise ValidationError(
            {"to": "The range must end after it starts, 62 days at most."}
        ) from None
    return start, end


def _clash_answer(clash: svc.RoomClash) -> Response:
    return Response(
        {
            "error": "room_clash",
            "detail": clash.messages[0],
            "conflict": s.BookingOut(clash.booking).data,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _tenant_id(request, queryset, pk, field):
    obj = queryset.filter(tenant_id=request.user.tenant_id, pk=pk).first() if pk else None
    if pk and obj is None:
        raise ValidationError({field: "Unknown id."})
    return obj


class EventViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Events the user may see. `GET /events/?from=&to=` is the personal calendar for that
    range (`&unit=` a unit's calendar); each event carries the user's answer and clash mark."""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = s.EventOut
    pagination_class = None  # a range's events, whole: the schema says a plain list

    def get_queryset(self):
        return policy.events_visible_to(self.request.user).select_related("room", "organiser_unit")

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("unit", OpenApiTypes.INT, required=False),
        ],
        responses=s.EventOut(many=True),
    )
    def list(self, request):
        start, end = _range(request)
        unit = None
        if request.query_params.get("unit"):
            unit_id = request.query_params["unit"]
            unit = Unit.objects.filter(
                tenant_id=request.user.tenant_id, pk=int(unit_id) if unit_id.isdigit() else 0
            ).first()
            if unit is None:
                raise NotFound
        slots = selectors.calendar_events(viewer=request.user, start=start, end=end, unit=unit)
        events = [slot.event for slot in slots]
        clashes = {slot.event.pk for slot in slots if slot.clash}
        return Response(s.EventOut(events, many=True, context={"clashes": clashes}).data)

    @extend_schema(responses=s.EventDetailOut)
    def retrieve(self, request, pk=None):
        event = selectors.event_get_for_user(request.user, pk)
        return Response(self._detail(event))

    def _detail(self, event: Event) -> dict:
        user = self.request.user
        attendees = selectors.event_attendees(event)
        mine = [a for a in attendees if a.user_id == user.pk]
        event.me = mine
        clashes = {event.pk} if any(a.clash for a in mine) else set()
        return s.EventDetailOut(event, context={"attendees": attendees, "clashes": clashes}).data

    @extend_schema(request=s.EventIn, responses={201: s.EventDetailOut})
    def create(self, request):
        data = validated(s.EventIn, request.data)
        user = request.user
        data["organiser_unit"] = _tenant_id(
            request,
            Unit.objects.filter(pk__in=unit_ids_of(user)),
            data["organiser_unit"],
            "organiser_unit",
        )
        data["room"] = _tenant_id(request, Room.objects.all(), data.get("room"), "room")
        data["invite_positions"] = [
            _tenant_id(request, Position.objects.select_related("unit"), pk, "invite_positions")
            for pk in dict.fromkeys(data["invite_positions"])
        ]
        try:
            event = svc.event_create(by=user, **data)
        except svc.RoomClash as clash:
            return _clash_answer(clash)
        return Response(self._detail(event), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RsvpIn, responses=s.EventDetailOut)
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        """Answer: attending, declined (with a reason) or delegated (to a subordinate's id)."""
        event = selectors.event_get_for_user(request.user, pk)
        data = validated(s.RsvpIn, request.data)
        me = selectors.attendee_of(event, request.user)
        if me is None:
            raise NotFound("You are not invited to this event.")
        if data["answer"] == Rsvp.DELEGATED:
            to_user = User.objects.filter(
                pk=data["delegate_to"] or 0, tenant_id=request.user.tenant_id
            ).first()
            if to_user is None:
                raise ValidationError({"delegate_to": "Unknown person."})
            svc.attendee_delegate(attendee=me, by=request.user, to_user=to_user)
        else:
            svc.attendee_respond(
                attendee=me, by=request.user, answer=data["answer"], reason=data["reason"]
            )
        return Response(self._detail(event))

    @extend_schema(request=s.CancelIn, responses=s.EventDetailOut)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        event = selectors.event_get_for_user(request.user, pk)
        reason = validated(s.CancelIn, request.data)["reason"]
        event = svc.event_cancel(event=event, by=request.user, reason=reason)
        return Response(self._detail(event))


class RoomViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tenant's rooms; `bookings` lists a range (`?from=&to=`) or books one (409 with
    the booking in the way when it clashes)."""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = s.RoomOut
    pagination_class = None

    def get_queryset(self):
        return Room.objects.filter(
            tenant_id=getattr(self.request.user, "tenant_id", None), is_active=True
        )

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True),
        ],
        responses=s.BookingOut(many=True),
    )
    @extend_schema(methods=["POST"], request=s.BookingIn, responses={201: s.BookingOut})
    @action(detail=True, methods=["get", "post"])
    def bookings(self, request, pk=None):
        room = self.get_queryset().filter(pk=pk).first()
        if room is None:
            raise NotFound
        if request.method == "POST":
            data = validated(s.BookingIn, request.data)
            try:
                booking = svc.room_booking_create(room=room, by=request.user, **data)
            except svc.RoomClash as clash:
                return _clash_answer(clash)
            return Response(s.BookingOut(booking).data, status=status.HTTP_201_CREATED)
        start, end = _range(request)
        rows = list(
            RoomBooking.objects.filter(
                room=room, state=BookingState.ACTIVE, starts_at__lt=end, ends_at__gt=start
            ).order_by("starts_at", "pk")
        )
        visible = set(
            policy.events_visible_to(request.user)
            .filter(pk__in=[b.event_id for b in rows if b.event_id])
            .values_list("pk", flat=True)
        )
        return Response(s.BookingOut(rows, many=True, context={"visible_events": visible}).data)


class BookingViewSet(viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = s.BookingOut

    def get_queryset(self):
        return RoomBooking.objects.filter(tenant_id=getattr(self.request.user, "tenant_id", None))

    @extend_schema(request=None, responses=s.BookingOut)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = self.get_queryset().filter(pk=pk).first()
        if booking is None:
            raise NotFound
        booking = svc.room_booking_cancel(booking=booking, by=request.user)
        return Response(s.BookingOut(booking).data)
