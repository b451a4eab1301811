"""The tenant's security log as JSON, for its administrators."""

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers, viewsets

from workflows.models import SecurityEvent

from .. import selectors
from ..permissions import can_view_security_events


class SecurityEventOut(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True, default="")

    class Meta:
        model = SecurityEvent
        fields = ["id", "created_at", "kind", "user", "user_name", "detail", "ip_address", "hash"]


class SecurityEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Logins, failed logins, permission changes, token and export events, downloads of
    confidential files (?kind= prefix, ?user= id). Tenant administrators only."""

    serializer_class = SecurityEventOut
    queryset = SecurityEvent.objects.none()

    def get_queryset(self):
        tenant = getattr(self.request, "tenant", None)
        if tenant is None or not can_view_security_events(self.request.user, tenant):
            raise PermissionDenied
        user = self.request.query_params.get("user", "")
        return selectors.security_event_list(
            tenant,
            kind=self.request.query_params.get("kind", ""),
            user_id=int(user) if user.isdigit() else None,
        )
