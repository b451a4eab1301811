"""Archive API: records (list with filters, detail with files and history, direct filing), the
file plan (read-only tree with retention rules) and case files (list, open, add records).

Every list reads through `Record.objects.visible_to(user)`: a record the user may not open, or
another tenant's, is a 404 — exactly as if it did not exist.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import IdField, validated
from organizations.models import Unit
from workflows.choices import SecurityLevel
from workflows.selectors import transition_log_for

from ..choices import Fate, FileKind, Medium, RecordState
from ..models import CaseFile, Classification, Record, RecordFile
from ..selectors import RecordFilters, record_filter
from ..services import records as svc
from ..services.common import PLACE_FIELDS

# --- serializers (distinct names: they share one OpenAPI schema with every app) ---


class RecordClassificationOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Classification
        fields = ["id", "code", "title"]


class RecordUnitOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


# The nested and choice fields the record list and the search share; each subclass names its
# own `Meta.fields`. (A comment, not a docstring: drf-spectacular would publish a docstring as
# the description of every subclass's schema.)
class RecordBaseOutSerializer(serializers.ModelSerializer):
    classification = RecordClassificationOutSerializer()
    unit = RecordUnitOutSerializer()
    state = serializers.ChoiceField(choices=RecordState.choices)
    medium = serializers.ChoiceField(choices=Medium.choices)
    security = serializers.ChoiceField(choices=SecurityLevel.choices)

    class Meta:
        model = Record
        fields: list[str] = []


# What every list of records shows first (the search hits as the record list).
HEAD_FIELDS = ["id", "title", "number", "sender", "classification", "unit"]


class RecordOutSerializer(RecordBaseOutSerializer):
    fate = serializers.ChoiceField(choices=Fate.choices)

    class Meta(RecordBaseOutSerializer.Meta):
        fields = [
            *HEAD_FIELDS,
            "case_file",
            "document_date",
            "medium",
            "quantity",
            "location",
            "security",
            "is_vital",
            "state",
            "fate",
            "active_until",
            "inactive_until",
            "filed_at",
            "source_url",
        ]


class RecordFileOutSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FileKind.choices)
    url = serializers.SerializerMethodField()
    is_deleted = serializers.SerializerMethodField()

    class Meta:
        model = RecordFile
        fields = ["id", "kind", "name", "content_type", "size", "sha256", "is_deleted", "url"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, f: RecordFile) -> str | None:
        if f.deleted_at is not None or not f.file:
            return None
        try:
            return reverse("archive:record-file", kwargs={"pk": f.record_id, "file_pk": f.pk})
        except NoReverseMatch:  # the record pages are not there yet
            return None

    def get_is_deleted(self, f: RecordFile) -> bool:
        return f.deleted_at is not None


class RecordHistoryOutSerializer(serializers.Serializer):
    action = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()
    actor = serializers.CharField(source="actor.display_name", default=None)
    note = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class RecordDetailOutSerializer(RecordOutSerializer):
    files = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(RecordOutSerializer.Meta):
        fields = [*RecordOutSerializer.Meta.fields, "description", "body", "files", "history"]

    @extend_schema_field(RecordFileOutSerializer(many=True))
    def get_files(self, record: Record) -> list:
        return RecordFileOutSerializer(record.files.all(), many=True).data

    @extend_schema_field(RecordHistoryOutSerializer(many=True))
    def get_history(self, record: Record) -> list:
        return RecordHistoryOutSerializer(transition_log_for(record), many=True).data


class RecordCreateInSerializer(serializers.Serializer):
    classification = IdField()
    unit = IdField()
    title = serializers.CharField(max_length=300)
    document_date = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    sender = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    security = serializers.ChoiceField(
        choices=SecurityLevel.choices, required=False, allow_blank=True, default=""
    )
    medium = serializers.ChoiceField(choices=Medium.choices, default=Medium.DIGITAL)
    quantity = serializers.IntegerField(min_value=1, max_value=100000, default=1)
    building = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    room = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    shelf = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    box = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    folder = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    is_vital = serializers.BooleanField(default=False)
    case_file = IdField(required=False, allow_null=True, default=None)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class RecordClassificationTreeOutSerializer(serializers.ModelSerializer):
    fate = serializers.ChoiceField(choices=Fate.choices)
    default_security = serializers.ChoiceField(choices=SecurityLevel.choices)

    class Meta:
        model = Classification
        fields = [
            "id",
            "code",
            "title",
            "description",
            "parent",
            "depth",
            "active_years",
            "inactive_years",
            "fate",
            "default_security",
            "is_active",
        ]


class CaseFileOutSerializer(serializers.ModelSerializer):
    classification = RecordClassificationOutSerializer()
    unit = RecordUnitOutSerializer()
    records = serializers.IntegerField(source="visible_records", read_only=True)

    class Meta:
        model = CaseFile
        fields = [
            "id",
            "number",
            "title",
            "description",
            "classification",
            "unit",
            "is_closed",
            "created_at",
            "records",
        ]


class CaseFileCreateInSerializer(serializers.Serializer):
    classification = IdField()
    unit = IdField()
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    records = serializers.ListField(child=IdField(), required=False, default=list, max_length=500)


class CaseFileAddInSerializer(serializers.Serializer):
    records = serializers.ListField(child=IdField(), min_length=1, max_length=500)


# --- helpers ---


def _tenant_row(request, queryset, pk, field):
    obj = queryset.filter(tenant_id=request.user.tenant_id, pk=pk).first() if pk else None
    if pk and obj is None:
        raise ValidationError({field: "Unknown id."})
    return obj


def _visible_records(request, ids: list[int]) -> list[Record]:
    ids = list(dict.fromkeys(ids))
    found = list(
        Record.objects.visible_to(request.user).filter(pk__in=ids).select_related("classification")
    )
    if len(found) != len(ids):
        raise ValidationError({"records": "Unknown id."})
    return found


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationError({name: "Give a numeric id."})
    return int(value)


def _choice_param(request, name: str, choices) -> str | None:
    value = request.query_params.get(name)
    if value and value not in choices.values:
        raise ValidationError({name: "One of: " + ", ".join(choices.values) + "."})
    return value or None


def _date_param(request, name: str):
    value = request.query_params.get(name)
    if not value:
        return None
    field = serializers.DateField()
    try:
        return field.to_internal_value(value)
    except serializers.ValidationError:
        raise ValidationError({name: "Give a date (YYYY-MM-DD)."}) from None


def _filtered(request, qs):
    """Apply the list filters of the query string (each one narrows; a classification covers
    its sub-codes: 000 covers 000.1 and 000.1.2)."""
    code = ""
    cls_id = _int_param(request, "classification")
    if cls_id is not None:
        code = (
            Classification.objects.filter(tenant_id=request.user.tenant_id, pk=cls_id)
            .values_list("code", flat=True)
            .first()
        )
        if code is None:
            return qs.none()
    filters = RecordFilters(
        classification=code,
        unit=_int_param(request, "unit"),
        case_file=_int_param(request, "case_file"),
        state=_choice_param(request, "state", RecordState) or "",
        medium=_choice_param(request, "medium", Medium) or "",
        security=_choice_param(request, "security", SecurityLevel) or "",
        date_from=_date_param(request, "date_from"),
        date_to=_date_param(request, "date_to"),
    )
    return record_filter(qs, filters)


# The filters the record list and the search share (RecordNarrowing and a classification).
NARROWING = [
    OpenApiParameter("classification", OpenApiTypes.INT, description="A code and its sub-codes"),
    OpenApiParameter("unit", OpenApiTypes.INT),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("medium", OpenApiTypes.STR, enum=Medium.values),
    OpenApiParameter("security", OpenApiTypes.STR, enum=SecurityLevel.values),
    OpenApiParameter("state", OpenApiTypes.STR, enum=RecordState.values),
]
FILTERS = [*NARROWING, OpenApiParameter("case_file", OpenApiTypes.INT)]


# --- views ---


class RecordViewSet(viewsets.GenericViewSet):
    """Records the user may open, newest document first."""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = RecordOutSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return Record.objects.visible_to(self.request.user).select_related("classification", "unit")

    @extend_schema(parameters=FILTERS, responses=RecordOutSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(_filtered(request, self.get_queryset()))
        return self.get_paginated_response(RecordOutSerializer(page, many=True).data)

    @extend_schema(responses=RecordDetailOutSerializer)
    def retrieve(self, request, pk=None):
        record = self.get_queryset().filter(pk=pk).first()
        if record is None:
            raise NotFound
        return Response(RecordDetailOutSerializer(record).data)

    @extend_schema(
        request={"multipart/form-data": RecordCreateInSerializer},
        responses={201: RecordDetailOutSerializer},
    )
    def create(self, request):
        data = validated(RecordCreateInSerializer, request.data)
        tenant = request.user.tenant
        classification = _tenant_row(
            request,
            Classification.objects.filter(is_active=True),
            data.pop("classification"),
            "classification",
        )
        unit = _tenant_row(request, Unit.objects.all(), data.pop("unit"), "unit")
        case_file = _tenant_row(request, CaseFile.objects.all(), data.pop("case_file"), "case_file")
        location = {k: data.pop(k) for k in PLACE_FIELDS}
        record = svc.record_create(
            tenant=tenant,
            classification=classification,
            unit=unit,
            by=request.user,
            uploads=data.pop("files"),
            location=location,
            case_file=case_file,
            **data,
        )
        record = self.get_queryset().get(pk=record.pk)
        return Response(RecordDetailOutSerializer(record).data, status=status.HTTP_201_CREATED)


class ClassificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The tenant's file plan, by code; each code names its parent (the tree) and carries its
    retention rule (years active and inactive, final fate)."""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = RecordClassificationTreeOutSerializer
    pagination_class = None

    def get_queryset(self):
        return Classification.objects.filter(
            tenant_id=getattr(self.request.user, "tenant_id", None) or 0
        ).order_by("code")


class CaseFileViewSet(viewsets.GenericViewSet):
    """Case files (berkas) the user may see: those of the codes they are archivist of, and
    those holding a record they may open. Archivists open them and put records in."""

    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = CaseFileOutSerializer

    def get_queryset(self):
        user = self.request.user
        visible = Record.objects.visible_to(user)
        qs = CaseFile.objects.visible_to(user)
        return qs.select_related("classification", "unit").annotate(
            visible_records=Count("records", filter=Q(records__in=visible.values("pk")))
        )

    def _get(self, pk) -> CaseFile:
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            raise NotFound
        return found

    @extend_schema(
        parameters=[OpenApiParameter("classification", OpenApiTypes.INT)],
        responses=CaseFileOutSerializer(many=True),
    )
    def list(self, request):
        qs = self.get_queryset()
        cls_id = _int_param(request, "classification")
        if cls_id is not None:
            qs = qs.filter(classification_id=cls_id)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(CaseFileOutSerializer(page, many=True).data)

    @extend_schema(responses=CaseFileOutSerializer)
    def retrieve(self, request, pk=None):
        return Response(CaseFileOutSerializer(self._get(pk)).data)

    @extend_schema(request=CaseFileCreateInSerializer, responses={201: CaseFileOutSerializer})
    def create(self, request):
        data = validated(CaseFileCreateInSerializer, request.data)
        classification = _tenant_row(
            request,
            Classification.objects.filter(is_active=True),
            data["classification"],
            "classification",
        )
        unit = _tenant_row(request, Unit.objects.all(), data["unit"], "unit")
        records = _visible_records(request, data["records"]) if data["records"] else []
        case = svc.casefile_create(
            tenant=request.user.tenant,
            classification=classification,
            unit=unit,
            title=data["title"],
            description=data["description"],
            by=request.user,
            records=records,
        )
        return Response(
            CaseFileOutSerializer(self._get(case.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CaseFileAddInSerializer, responses=CaseFileOutSerializer)
    @action(detail=True, methods=["post"])
    def records(self, request, pk=None):
        """Put records (that the user may open) into the case file."""
        case = self._get(pk)
        ids = validated(CaseFileAddInSerializer, request.data)["records"]
        svc.casefile_add(case_file=case, records=_visible_records(request, ids), by=request.user)
        return Response(CaseFileOutSerializer(self._get(pk)).data)
