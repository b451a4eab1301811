from rest_framework import serializers

from core.api import IdField
from workflows.choices import SecurityLevel

from ..choices import Rsvp
from ..models import Attendee, Event, Room, RoomBooking


class AttendeeOut(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name")
    position = serializers.CharField(source="position.title", default=None)
    represents = serializers.CharField(source="unit.name", default=None)
    delegated_to = serializers.IntegerField(source="delegated_to_id", allow_null=True)

    class Meta:
        model = Attendee
        fields = [
            "id",
            "user",
            "name",
            "position",
            "represents",
            "role",
            "rsvp",
            "decline_reason",
            "delegated_to",
            "attended",
        ]


class EventOut(serializers.ModelSerializer):
    """A confidential event shows its people only to those on it (visible_to decides)."""

    place = serializers.CharField()
    organiser = serializers.CharField(source="organiser_unit.name", default=None)
    my_answer = serializers.SerializerMethodField()
    clash = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "room",
            "location",
            "online_url",
            "organiser",
            "agenda",
            "security",
            "state",
            "cancel_reason",
            "source_label",
            "source_url",
            "sequence",
            "reminder_minutes",
            "my_answer",
            "clash",
        ]

    def get_my_answer(self, event) -> str | None:
        mine = getattr(event, "me", None)
        return mine[0].rsvp if mine else None

    def get_clash(self, event) -> bool:
        return event.pk in self.context.get("clashes", set())


class EventDetailOut(EventOut):
    attendees = serializers.SerializerMethodField()

    class Meta(EventOut.Meta):
        fields = [*EventOut.Meta.fields, "attendees"]

    def get_attendees(self, event) -> list[dict]:
        return AttendeeOut(self.context.get("attendees", []), many=True).data


class EventIn(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    organiser_unit = IdField()
    room = IdField(required=False, allow_null=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    agenda = serializers.CharField(required=False, allow_blank=True, default="")
    security = serializers.ChoiceField(SecurityLevel.choices, default=SecurityLevel.BIASA)
    invite_positions = serializers.ListField(
        child=IdField(), required=False, default=list, max_length=200
    )
    reminder_minutes = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        max_length=5,
    )


class RsvpIn(serializers.Serializer):
    answer = serializers.ChoiceField([Rsvp.ATTENDING, Rsvp.DECLINED, Rsvp.DELEGATED])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    delegate_to = IdField(required=False, allow_null=True, default=None)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RoomOut(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "code", "name", "building", "capacity"]


class BookingOut(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()

    class Meta:
        model = RoomBooking
        fields = ["id", "room", "event", "title", "starts_at", "ends_at", "state"]

    def get_title(self, booking) -> str:
        visible = self.context.get("visible_events")
        if booking.event_id and visible is not None and booking.event_id not in visible:
            return ""
        return booking.title


class BookingIn(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
