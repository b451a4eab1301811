"""Archive API: search (one text over number, title, sender, text and attachment text, with
the record list's filters) and classification suggestions for a subject and summary.

Search reads through `Record.objects.visible_to(user)` in the same SQL statement as the match:
a record the user may not open never appears, not even in the count.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from workflows.choices import SecurityLevel

from ..choices import Medium, RecordState
from ..models import Classification
from ..search import COUNT_CAP, SearchFilters, classification_suggest, record_search
from .records import HEAD_FIELDS, NARROWING, RecordBaseOutSerializer

MAX_PAGE_SIZE = 100


class SearchRecordOutSerializer(RecordBaseOutSerializer):
    class Meta(RecordBaseOutSerializer.Meta):
        fields = [*HEAD_FIELDS, "document_date", "medium", "security", "state"]


class FileMatchOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ocr = serializers.BooleanField(help_text="The file's text was read by OCR from a scan.")
    snippet = serializers.CharField(
        help_text="HTML: the words in the file, in <mark>; empty when too deep in it."
    )


class MatchPlacesOutSerializer(serializers.Serializer):
    details = serializers.BooleanField(help_text="In the number, title, sender or description.")
    body = serializers.BooleanField(help_text="In the record's text.")
    files = FileMatchOutSerializer(many=True, help_text="The files that hold the words.")


class SearchHitOutSerializer(serializers.Serializer):
    record = SearchRecordOutSerializer()
    rank = serializers.FloatField()
    snippet = serializers.CharField(help_text="HTML: escaped text, matches in <mark>.")
    where = MatchPlacesOutSerializer(help_text="Where the words matched (empty without words).")


class SearchPageOutSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=f"Matches, counted up to {COUNT_CAP:,}.")
    more = serializers.BooleanField(help_text="More matches than `count`: narrow the search.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    fuzzy = serializers.BooleanField(help_text="Nothing matched the words: near spellings.")
    results = SearchHitOutSerializer(many=True, source="hits")


class ClassificationSuggestionOutSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(help_text="1 for the best suggestion.")

    class Meta:
        model = Classification
        fields = ["id", "code", "title", "score"]


class SearchQueryInSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    classification = serializers.IntegerField(required=False, min_value=1, max_value=10**18)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=10**18)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    medium = serializers.ChoiceField(choices=Medium.choices, required=False)
    security = serializers.ChoiceField(choices=SecurityLevel.choices, required=False)
    state = serializers.ChoiceField(choices=RecordState.choices, required=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=10000, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=25
    )


class SuggestQueryInSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=2000, allow_blank=True)


SEARCH_PARAMS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words, a number or its fragment"),
    *NARROWING,
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT),
]


class RecordSearchView(APIView):
    """Search the records the user may open, best match first, with highlighted snippets."""

    @extend_schema(
        parameters=SEARCH_PARAMS, responses=SearchPageOutSerializer, operation_id="archive_search"
    )
    def get(self, request):
        p = validated(SearchQueryInSerializer, request.query_params)
        filters = SearchFilters(
            classification=p.get("classification"),
            unit=p.get("unit"),
            date_from=p.get("date_from"),
            date_to=p.get("date_to"),
            medium=p.get("medium", ""),
            security=p.get("security", ""),
            state=p.get("state", ""),
        )
        result = record_search(
            user=request.user, text=p["q"], filters=filters, page=p["page"], per_page=p["page_size"]
        )
        data = {
            "count": result.total,
            "more": result.more,
            "page": result.page,
            "pages": result.pages,
            "fuzzy": result.fuzzy,
            "hits": result.hits,
        }
        return Response(SearchPageOutSerializer(data).data)


class ClassificationSuggestView(APIView):
    """The five codes most likely for a letter with this subject and summary."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description="Subject and summary"
            )
        ],
        responses=ClassificationSuggestionOutSerializer(many=True),
        operation_id="archive_classifications_suggest",
    )
    def get(self, request):
        p = validated(SuggestQueryInSerializer, request.query_params)
        codes = classification_suggest(tenant=request.user.tenant, text=p["q"])
        return Response(ClassificationSuggestionOutSerializer(codes, many=True).data)
