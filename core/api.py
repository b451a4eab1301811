"""Project-wide API conventions: pagination limits and one error body shape."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Database ids are 64-bit: a larger number is a 400, never an overflow deep in the database.
ID_MAX = 2**63 - 1


def IdField(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def validated(serializer_class, data, *, partial: bool = False) -> dict:
    """The request body checked by an input serializer; a 400 with its errors otherwise."""
    ser = serializer_class(data=data, partial=partial)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        """Pages of `queryset`; a view that knows the count already (`list_count(queryset)`,
        counted with other figures or kept across requests) spares the COUNT query."""
        counted = getattr(view, "list_count", None)
        if counted is not None:
            count = counted(queryset)
            self.django_paginator_class = lambda rows, per_page: _Counted(rows, per_page, count)
        return super().paginate_queryset(queryset, request, view)


class _Counted(Paginator):
    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # `count` is a cached property: the instance value is used


class FileNegotiation(BaseContentNegotiation):
    """For an action that answers a file itself (an HttpResponse): whatever the client
    accepts (`application/pdf`, say), the errors it may get are the first renderer's JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)


# State-machine refusals and stale edits (by class name, so this module imports no app).
CONFLICTS = {"TransitionNotAllowed", "ConcurrentTransition", "StaleEdit"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is not in a state that allows this."
    default_code = "conflict"


def exception_handler(exc, context):
    """Every API error has the body {"error": code, "detail": message, "fields": {...}?}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif type(exc).__name__ in CONFLICTS:
        exc = Conflict(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    body: dict = {"error": getattr(exc, "default_code", "error")}
    if isinstance(exc, exceptions.ValidationError):
        body["error"] = "invalid"
        body["detail"] = "The request has invalid fields."
        body["fields"] = data if isinstance(data, dict) else {"non_field_errors": data}
    elif isinstance(data, dict) and "detail" in data:
        body["detail"] = str(data["detail"])
        body["error"] = getattr(data["detail"], "code", body["error"])
    else:
        body["detail"] = str(data)
    return Response(body, status=response.status_code, headers=_headers(response))


def _headers(response) -> dict:
    return {
        k: v
        for k, v in response.items()
        if k.lower() in {"www-authenticate", "retry-after", "allow"}
    }


def conflict(detail: str, code: str = "conflict") -> Response:
    return Response({"error": code, "detail": detail}, status=status.HTTP_409_CONFLICT)
