"""The statistics as JSON for a city dashboard or the SPBE evaluation."""

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..views import _period, _scope


def _seconds(t):
    return {
        k: (v.total_seconds() if hasattr(v, "total_seconds") else v) for k, v in asdict(t).items()
    }


class StatisticsView(APIView):
    """Sent and received by type, classification and security; turnaround (median and p90,
    seconds); overdue dispositions by unit and position; drafts waiting longest; signatures per
    signer; monthly trend. A head gets their subtree, the Sekda and tenant admin the tenant."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, required=False),
            OpenApiParameter("from", OpenApiTypes.DATE, required=False),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        units = _scope(request)
        start, end = _period(request, request.tenant)
        stats = selectors.statistics(request.tenant, units, start, end)
        body = asdict(stats)
        for key in ("to_first_read", "to_first_disposition", "to_done"):
            body[key] = _seconds(getattr(stats, key))
        for row in body["waiting_in_review"]:
            row["reached_at"] = row["reached_at"].isoformat()
        for key in ("overdue_by_unit", "overdue_by_position"):
            for row in body[key]:
                row["oldest"] = row["oldest"].isoformat()
        trend = selectors.monthly_trend(request.tenant, units)
        return Response(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                **body,
                "trend": [{**r, "month": r["month"].isoformat()} for r in trend],
            }
        )
