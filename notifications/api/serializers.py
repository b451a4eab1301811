from rest_framework import serializers

from core.api import IdField

from ..kinds import Kind
from ..models import Notification


class NotificationOut(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "read_at", "is_read"]


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(),
        required=False,
        max_length=500,
        help_text="Omit to mark all read.",
    )


class MarkReadOut(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class PreferenceRow(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    push = serializers.BooleanField(required=False, help_text="On the user's devices (Web Push).")
    chat = serializers.BooleanField(required=False, help_text="By the chat gateway.")
    email_only = serializers.BooleanField(read_only=True)
