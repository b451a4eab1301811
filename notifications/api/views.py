"""The notification centre's API: a user's own list, mark read, per-kind preferences."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..models import Notification
from . import serializers as s


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """My notifications, newest first (?unread=1 for unread only)."""

    serializer_class = s.NotificationOut
    queryset = Notification.objects.none()

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in {"1", "true"}
        return selectors.notification_list(self.request.user, unread_only=unread)

    @extend_schema(request=s.MarkReadIn, responses=s.MarkReadOut)
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = s.MarkReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notification_mark_read(
            user=request.user, ids=data.validated_data.get("ids")
        )
        unread = selectors.notification_unread_count(request.user)
        return Response({"marked": marked, "unread": unread})

    @extend_schema(methods=["get"], responses=s.PreferenceRow(many=True), request=None)
    @extend_schema(
        methods=["put"], request=s.PreferenceRow(many=True), responses=s.PreferenceRow(many=True)
    )
    @action(detail=False, methods=["get", "put"], pagination_class=None)
    def preferences(self, request):
        if request.method == "PUT":
            rows = s.PreferenceRow(data=request.data, many=True)
            rows.is_valid(raise_exception=True)
            services.preferences_set(
                user=request.user,
                choices={
                    r["kind"]: (r["in_app"], r["email"], r.get("push"), r.get("chat"))
                    for r in rows.validated_data
                },
            )
        return Response(s.PreferenceRow(selectors.preferences_for(request.user), many=True).data)
