"""Letters API for the web client and the mobile app: parse, call one service, answer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.lockout import is_wrong_passphrase, secret_failed, secret_guard
from accounts.permissions import has_second_factor
from accounts.services import totp_code_valid
from core.api import FileNegotiation, validated
from core.files import generated_pdf_response
from core.query import id_or_404
from organizations.models import Position, Unit

from .. import permissions as policy
from .. import selectors
from .. import services as svc
from ..choices import AttachmentKind, LetterState
from ..forms import InboxFilterForm
from ..models import AddressBookEntry, Delivery, Disposition, Letter, LetterType
from ..pdf.build import letter_preview_pdf, preview_filename
from ..services.drafting import EVENT_FIELDS, TEXT_FIELDS
from . import serializers as s


def _one(qs, pk, field: str):
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: "Unknown id."})
    return obj


def _recipients(user, rows: list[dict]) -> list[svc.RecipientInput]:
    """Resolve recipient ids in one query per kind (a circular goes to dozens of units)."""

    def lookup(qs, key: str) -> dict:
        ids = {r[key] for r in rows if r.get(key) is not None}
        found = qs.in_bulk(ids) if ids else {}
        if len(found) != len(ids):
            raise ValidationError({"recipients": "Unknown id."})
        return found

    units = lookup(Unit.objects.filter(tenant__is_active=True), "unit")
    # Posts are addressed in the sender's own government only (a unit of another government
    # is addressed as a unit): a foreign post's id answers as an unknown one, naming nothing.
    positions = lookup(Position.objects.filter(tenant_id=user.tenant_id), "position")
    addresses = lookup(AddressBookEntry.objects.filter(tenant_id=user.tenant_id), "address")
    return [
        svc.RecipientInput(
            kind=r["kind"],
            unit=units.get(r.get("unit")),
            position=positions.get(r.get("position")),
            address=addresses.get(r.get("address")),
        )
        for r in rows
    ]


def _letter_fields(user, data: dict) -> dict:
    out = {}
    for key in (*TEXT_FIELDS, *EVENT_FIELDS):
        if key in data:
            out[key] = data[key]
    if "letter_type" in data:
        out["letter_type"] = _one(
            LetterType.objects.filter(tenant_id=user.tenant_id, is_active=True),
            LetterType.objects.filter(tenant_id=user.tenant_id, code=data["letter_type"])
            .values_list("pk", flat=True)
            .first()
            or 0,
            "letter_type",
        )
    if "signer_position" in data:
        out["signer_position"] = _one(
            Position.objects.filter(tenant_id=user.tenant_id),
            data["signer_position"],
            "signer_position",
        )
    if "on_behalf_of" in data:  # a post of another government answers as an unknown id
        out["on_behalf_of"] = _one(
            Position.objects.filter(tenant_id=user.tenant_id),
            data["on_behalf_of"],
            "on_behalf_of",
        )
    if "parts" in data:
        out["parts"] = data["parts"]
    if "reply_to" in data:
        out["reply_to"] = _one(Letter.objects.visible_to(user), data["reply_to"], "reply_to")
    return out


class LetterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Letters the user may see; drafts are created, edited (with their version) and cancelled
    here, and every transition is a POST action."""

    queryset = Letter.objects.none()
    lookup_value_converter = "int"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = Letter.objects.visible_to(self.request.user).select_related("letter_type", "unit")
        state = self.request.query_params.get("state")
        if state in LetterState.values:
            qs = qs.filter(state=state)
        if self.request.query_params.get("mine") == "1":
            qs = qs.filter(drafter_id=self.request.user.pk)
        return qs.order_by("-id")

    def get_serializer_class(self):
        return s.LetterDetailOut if self.action == "retrieve" else s.LetterOut

    def get_object(self):
        return selectors.letter_get_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        letter = self.get_object()
        svc.letter_opened(letter=letter, by=request.user, ip=request.META.get("REMOTE_ADDR"))
        return Response(s.LetterDetailOut(selectors.letter_for_output(letter)).data)

    @extend_schema(request=s.LetterIn, responses={201: s.LetterDetailOut})
    def create(self, request, *args, **kwargs):
        data = validated(s.LetterIn, request.data)
        letter = svc.letter_create(
            by=request.user,
            recipients=_recipients(request.user, data["recipients"]),
            **_letter_fields(request.user, data),
        )
        return Response(
            s.LetterDetailOut(selectors.letter_for_output(letter)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.LetterPatch, responses=s.LetterDetailOut)
    def partial_update(self, request, *args, **kwargs):
        letter = self.get_object()
        data = validated(s.LetterPatch, request.data, partial=True)
        recipients = _recipients(request.user, data["recipients"]) if "recipients" in data else None
        letter = svc.letter_update(
            letter=letter,
            by=request.user,
            expected_version=data["version"],
            recipients=recipients,
            **_letter_fields(request.user, data),
        )
        return Response(s.LetterDetailOut(selectors.letter_for_output(letter)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        svc.letter_cancel(letter=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The draft as it will print, marked KONSEP."
            ),
            409: OpenApiResponse(
                s.PreviewRefusedOut,
                description="The letter is signed (its PDF is at `pdf_url`) or was never "
                "an outgoing draft: there is nothing to preview.",
            ),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FileNegotiation)
    def preview(self, request, pk=None):
        """The letter's draft rendered exactly as it will print, watermarked KONSEP and with
        the number's placeholder; for whoever may view the letter, until it is signed."""
        letter = self.get_object()
        if not policy.can_preview_letter(request.user, letter):
            return Response(
                s.PreviewRefusedOut(
                    {
                        "error": "not_a_draft",
                        "detail": "This letter is no longer a draft; there is no preview.",
                        "pdf_url": s.letter_pdf_url(letter),
                    }
                ).data,
                status=status.HTTP_409_CONFLICT,
            )
        svc.letter_preview_opened(
            letter=letter,
            by=request.user,
            ip=request.META.get("REMOTE_ADDR"),
            agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return generated_pdf_response(letter_preview_pdf(letter), filename=preview_filename(letter))

    def _act(self, fn, **kwargs):
        letter = fn(letter=self.get_object(), by=self.request.user, **kwargs)
        return Response(s.LetterDetailOut(selectors.letter_for_output(letter)).data)

    @extend_schema(
        request=s.SubmitIn,
        responses=s.LetterDetailOut,
        description=(
            "Send the draft along its route. Refused with 400 while the rules checker finds "
            "errors in it (the letter's `findings` of level `error`), their messages by field."
        ),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = validated(s.SubmitIn, request.data)
        positions = Position.objects.filter(tenant_id=request.user.tenant_id)

        def resolve(ids):
            return None if ids is None else [_one(positions, i, "route") for i in ids]

        return self._act(
            svc.letter_submit, route=resolve(data["route"]), signers=resolve(data["signers"])
        )

    @extend_schema(request=s.NoteIn, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(svc.letter_approve, note=validated(s.NoteIn, request.data)["note"])

    @extend_schema(request=s.NoteIn, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._act(svc.letter_return, note=validated(s.NoteIn, request.data)["note"])

    @extend_schema(request=None, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(svc.letter_withdraw)

    @extend_schema(request=s.SignIn, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        data = validated(s.SignIn, request.data)
        second = has_second_factor(request.user) or totp_code_valid(request.user, data["otp"])
        secret_guard(request, request.user)
        try:
            return self._act(
                svc.letter_sign_request,
                password=data["password"],
                passphrase=data["passphrase"],
                second_factor=second,
                mode=data["mode"],
                note=data["note"],
            )
        except ValidationError as exc:
            if is_wrong_passphrase(exc):
                secret_failed(request, request.user)
            raise

    @extend_schema(request=None, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._act(svc.letter_send)

    @extend_schema(request=s.ReasonIn, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"])
    def retract(self, request, pk=None):
        return self._act(svc.letter_retract, reason=validated(s.ReasonIn, request.data)["reason"])

    @extend_schema(request=s.RescheduleIn, responses=s.LetterDetailOut)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move a sent invitation: its events in every calendar move and attendees are told."""
        return self._act(svc.letter_reschedule, **validated(s.RescheduleIn, request.data))

    @extend_schema(request=s.AttachmentIn, responses={201: s.AttachmentOut})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        data = validated(s.AttachmentIn, request.data)
        att = svc.attachment_add(
            letter=self.get_object(),
            by=request.user,
            upload=data["file"],
            kind=AttachmentKind.SCAN if data["scan"] else AttachmentKind.ATTACHMENT,
        )
        return Response(s.AttachmentOut(att).data, status=status.HTTP_201_CREATED)


class InboxViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deliveries: a unit's inbox (?unit=) or those addressed to me (?personal=1), with the
    page's filters (state, urgency, security, date_from, date_to, sender, q, kind)."""

    serializer_class = s.DeliveryOut
    queryset = Delivery.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        unit = None
        if params.get("unit"):
            wanted = id_or_404(params["unit"])
            units = selectors.inbox_unit_list(self.request.user)
            unit = next((u for u in units if u.pk == wanted), None)
            if unit is None:
                raise Http404
        f = InboxFilterForm(params).to_filter()
        personal = params.get("personal") == "1"
        day = timezone.localdate()  # one day for the list and its kept count
        self.inbox = {"unit": None if personal else unit, "f": f, "on": day}
        return selectors.inbox_list(self.request.user, unit=unit, personal=personal, f=f, on=day)

    def list_count(self, queryset) -> int:
        """The count for the pagination: a unit inbox's is kept across requests."""
        total, _unread = selectors.inbox_counts(queryset, user=self.request.user, **self.inbox)
        return total


class OutboxViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Signed and sent letters with per-recipient counts."""

    serializer_class = s.OutboxOut
    queryset = Letter.objects.none()

    def get_queryset(self):
        return selectors.outbox_list(
            self.request.user, f=InboxFilterForm(self.request.query_params).to_filter()
        )


class DeliveryViewSet(viewsets.GenericViewSet):
    queryset = Delivery.objects.none()
    serializer_class = s.DeliveryOut
    lookup_value_converter = "int"

    def get_object(self):
        return selectors.delivery_get_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=None, responses=s.DeliveryOut)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        d = svc.delivery_finish(delivery=self.get_object(), by=request.user)
        return Response(s.DeliveryOut(d).data)

    @extend_schema(request=s.DispositionIn, responses={201: s.DispositionOut(many=True)})
    @action(detail=True, methods=["post"])
    def dispositions(self, request, pk=None):
        delivery = self.get_object()
        data = validated(s.DispositionIn, request.data)
        parent = None
        if data["parent"] is not None:
            parent = selectors.disposition_get_for_user(request.user, data["parent"])
        positions = Position.objects.filter(tenant_id=delivery.tenant_id)
        made = svc.disposition_create(
            delivery=delivery,
            by=request.user,
            to_positions=[_one(positions, i, "to_positions") for i in data["to_positions"]],
            instructions=data["instructions"],
            note=data["note"],
            due_date=data["due_date"],
            urgency=data["urgency"],
            parent=parent,
            prepare=data["prepare"],
        )
        return Response(s.DispositionOut(made, many=True).data, status=status.HTTP_201_CREATED)


class DispositionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Dispositions addressed to me; open, report, cancel and confirm as POST actions."""

    serializer_class = s.DispositionOut
    queryset = Disposition.objects.none()
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.dispositions_to_me(
            self.request.user, open_only=self.request.query_params.get("open") == "1"
        )

    def get_object(self):
        return selectors.disposition_get_for_user(self.request.user, self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        return Response(s.DispositionOut(self.get_object()).data)

    def _act(self, fn, **kwargs):
        return Response(
            s.DispositionOut(fn(disposition=self.get_object(), by=self.request.user, **kwargs)).data
        )

    @extend_schema(request=None, responses=s.DispositionOut)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._act(svc.disposition_open)

    @extend_schema(request=s.ReportIn, responses=s.DispositionOut)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def report(self, request, pk=None):
        data = validated(s.ReportIn, request.data)
        return self._act(svc.disposition_report, text=data["text"], upload=data.get("file"))

    @extend_schema(request=None, responses=s.DispositionOut)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(svc.disposition_cancel)

    @extend_schema(request=None, responses=s.DispositionOut)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._act(svc.disposition_confirm)


class IncomingViewSet(viewsets.GenericViewSet):
    """Register a letter that came in on paper (multipart, with its scan)."""

    serializer_class = s.IncomingIn
    queryset = Delivery.objects.none()
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=s.IncomingIn, responses={201: s.DeliveryOut})
    def create(self, request):
        data = dict(validated(s.IncomingIn, request.data))
        user = request.user
        data["unit"] = _one(Unit.objects.filter(tenant_id=user.tenant_id), data["unit"], "unit")
        data["addressed_position"] = _one(
            Position.objects.filter(tenant_id=user.tenant_id),
            data["addressed_position"],
            "addressed_position",
        )
        with transaction.atomic():
            d = svc.incoming_register(by=user, **data)
        return Response(s.DeliveryOut(d).data, status=status.HTTP_201_CREATED)
