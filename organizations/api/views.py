"""Read-only organisation directory for the mobile app and the recipient picker."""

from rest_framework import viewsets

from organizations.models import Assignment, Position, Unit, UnitRole, User
from organizations.selectors import units_with_parent

from .serializers import AssignmentOut, PositionOut, UnitOut, UnitRoleOut, UserOut


class TenantScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """Rows of the request's tenant only: another tenant's id is a 404 like a missing one."""

    lookup_value_converter = "int"

    def get_queryset(self):
        return self.queryset.filter(tenant=self.request.tenant)


class UnitViewSet(TenantScopedViewSet):
    queryset = Unit.objects.none()  # for the schema; rows come from get_queryset
    serializer_class = UnitOut

    def get_queryset(self):
        return units_with_parent(self.request.tenant)


class PositionViewSet(TenantScopedViewSet):
    queryset = Position.objects.select_related("unit").order_by("unit__path", "sort_order", "pk")
    serializer_class = PositionOut


class UserViewSet(TenantScopedViewSet):
    queryset = User.objects.filter(is_active=True).order_by("name", "username")
    serializer_class = UserOut


class AssignmentViewSet(TenantScopedViewSet):
    queryset = Assignment.objects.order_by("-start_date", "pk")
    serializer_class = AssignmentOut


class UnitRoleViewSet(TenantScopedViewSet):
    queryset = UnitRole.objects.order_by("pk")
    serializer_class = UnitRoleOut
