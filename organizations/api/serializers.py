from rest_framework import serializers

from organizations.models import Assignment, Position, Unit, UnitRole, User


class UnitOut(serializers.ModelSerializer):
    parent_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "is_active", "depth", "parent_id"]


class PositionOut(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name")

    class Meta:
        model = Position
        fields = ["id", "code", "title", "unit", "unit_name", "is_head", "can_sign", "is_active"]


class UserOut(serializers.ModelSerializer):
    display_name = serializers.CharField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "nip", "email", "phone", "is_active"]


class AssignmentOut(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "user", "position", "kind", "start_date", "end_date", "decree"]


class UnitRoleOut(serializers.ModelSerializer):
    class Meta:
        model = UnitRole
        fields = ["id", "user", "kind", "unit"]
