"""Archive API: loans of paper records (peminjaman arsip).

`/archive/loans/` lists the loans the user may see (`?tab=mine|decide|overdue`) and requests
one; `/archive/loans/{id}/approve|reject|lend|return|cancel/` move it on. A loan the user may
not see is a 404; one they see but may not act on is a 403; a loan already moved on is a 409.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import IdField, validated

from ..choices import LoanState
from ..models import Loan, Record
from ..selectors import lending as sel
from ..services import lending as svc


class LoanRecordOutSerializer(serializers.ModelSerializer):
    classification = serializers.CharField(source="classification.code")

    class Meta:
        model = Record
        fields = ["id", "title", "number", "classification", "location"]


class LoanOutSerializer(serializers.ModelSerializer):
    record = LoanRecordOutSerializer()
    borrower = serializers.CharField(source="borrower.display_name")
    decided_by = serializers.CharField(source="decided_by.display_name", default=None)
    state = serializers.ChoiceField(choices=LoanState.choices)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Loan
        fields = [
            "id",
            "record",
            "borrower",
            "purpose",
            "state",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "lent_at",
            "due_date",
            "returned_at",
            "is_overdue",
        ]

    def get_is_overdue(self, loan: Loan) -> bool:
        return loan.is_overdue(self.context["today"])


class LoanRequestInSerializer(serializers.Serializer):
    record = IdField()
    purpose = serializers.CharField(max_length=svc.PURPOSE_MAX)


class LoanNoteInSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class LoanLendInSerializer(serializers.Serializer):
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


TABS = {"mine": sel.loans_mine, "decide": sel.loans_to_decide, "overdue": sel.loans_overdue}


class LoanViewSet(viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = LoanOutSerializer

    def get_queryset(self):
        return sel.loans_visible_to(self.request.user)

    def _out(self, loans, *, many=False, code=status.HTTP_200_OK) -> Response:
        today = sel.tenant_today(self.request.user.tenant)
        data = LoanOutSerializer(loans, many=many, context={"today": today}).data
        return Response(data, status=code)

    def _step(self, request, pk, service, payload_class=None) -> Response:
        """One step of a loan: the payload's fields (a note, a due date) go to the service."""
        loan = sel.loan_get_for_user(request.user, pk)
        payload = validated(payload_class, request.data) if payload_class else {}
        service(loan=loan, by=request.user, **payload)
        return self._out(sel.loan_get_for_user(request.user, pk))

    @extend_schema(
        parameters=[OpenApiParameter("tab", OpenApiTypes.STR, enum=list(TABS), required=False)],
        responses=LoanOutSerializer(many=True),
    )
    def list(self, request):
        tab = request.query_params.get("tab")
        if tab and tab not in TABS:
            raise ValidationError({"tab": "One of: " + ", ".join(TABS) + "."})
        qs = TABS[tab](request.user) if tab else self.get_queryset()
        page = self.paginate_queryset(qs)
        today = sel.tenant_today(request.user.tenant)
        data = LoanOutSerializer(page, many=True, context={"today": today}).data
        return self.get_paginated_response(data)

    @extend_schema(responses=LoanOutSerializer)
    def retrieve(self, request, pk=None):
        return self._out(sel.loan_get_for_user(request.user, pk))

    @extend_schema(request=LoanRequestInSerializer, responses={201: LoanOutSerializer})
    def create(self, request):
        data = validated(LoanRequestInSerializer, request.data)
        record = Record.objects.visible_to(request.user).filter(pk=data["record"]).first()
        if record is None:
            raise ValidationError({"record": "Unknown id."})
        loan = svc.loan_request(record=record, by=request.user, purpose=data["purpose"])
        return self._out(sel.loan_get_for_user(request.user, loan.pk), code=status.HTTP_201_CREATED)

    @extend_schema(request=LoanNoteInSerializer, responses=LoanOutSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._step(request, pk, svc.loan_approve, LoanNoteInSerializer)

    @extend_schema(request=LoanNoteInSerializer, responses=LoanOutSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._step(request, pk, svc.loan_reject, LoanNoteInSerializer)

    @extend_schema(request=LoanLendInSerializer, responses=LoanOutSerializer)
    @action(detail=True, methods=["post"])
    def lend(self, request, pk=None):
        return self._step(request, pk, svc.loan_lend, LoanLendInSerializer)

    @extend_schema(request=None, responses=LoanOutSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def give_back(self, request, pk=None):
        return self._step(request, pk, svc.loan_return)

    @extend_schema(request=LoanNoteInSerializer, responses=LoanOutSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._step(request, pk, svc.loan_cancel, LoanNoteInSerializer)
