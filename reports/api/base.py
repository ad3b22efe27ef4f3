"""The table view every report serves through, its query parameters as the schema states them,
and the CSV twin of a table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_desk
from helpdesk import inputs
from helpdesk.exceptions import Forbidden, InvalidInput

from ..caching import cached_json
from ..scope import (
    MAX_SHIFT_HOURS,
    Period,
    ReportScope,
    resolve_month,
    resolve_period,
    resolve_scope,
    resolve_shift,
)
from ..tables import Column, Table

# A year from EARLIEST_DAY's (2021) on: the reports refuse earlier dates (reports/scope.py).
YEAR = "(202[1-9]|20[3-9][0-9]|2[1-9][0-9]{2}|[3-9][0-9]{3})"
# An empty value is the default (the dashboards' forms send empty fields).
EMPTY = {"type": "string", "maxLength": 0}
DAY = {"type": "string", "anyOf": [{"format": "date", "pattern": f"^{YEAR}-[0-9]{{2}}-[0-9]{{2}}$"}, EMPTY]}
SHIFT_END = {"type": "string", "pattern": (
    f"^({YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9])?$")}
SHIFT_HOURS = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_SHIFT_HOURS}, EMPTY]}

DISTRICT_PARAM = OpenApiParameter(
    "district", {"type": "string", "maxLength": 64}, description="District code (e.g. raipur). Omitted, "
    "empty or `state`: the state for desk staff, their own district for a district official (another "
    "district, or one that does not exist: 404).")
FROM_PARAM = OpenApiParameter("from", DAY, description="First IST day (inclusive), from 2021-01-01; "
                              "default 6 days before `to`. At most 400 days before `to`.")
TO_PARAM = OpenApiParameter("to", DAY, description="Last IST day (inclusive), at most tomorrow; default today.")
PERIOD_PARAMS = [DISTRICT_PARAM, FROM_PARAM, TO_PARAM]
SHIFT_PARAMS = [
    OpenApiParameter("end", SHIFT_END, description="End of the shift, IST, yyyy-mm-ddThh:mm, not in the "
                     "future; default now."),
    OpenApiParameter("hours", SHIFT_HOURS, description="Length of the shift in hours, 1-24; default 8."),
]
CSV_RESPONSE = {(200, "text/csv"): OpenApiResponse(
    OpenApiTypes.STR, description="The same rows as the JSON table, streamed as CSV (UTF-8 with BOM).")}


def csv_response(table: Table, scope: ReportScope, stamp: str) -> StreamingHttpResponse:
    def lines():
        yield "\ufeff"  # so spreadsheet programs read the Hindi names as UTF-8
        yield from table.csv_lines()

    where = scope.district.code if scope.district else "state"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.name}-{where}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _from_json(data: dict[str, Any]) -> Table:
    meta = {k: v for k, v in data.items() if k not in ("table", "columns", "rows")}
    columns = [Column(c["key"], c["label"], c["kind"]) for c in data["columns"]]
    return Table(name=data["table"], columns=columns, rows=data["rows"], meta=meta)


class ReportView(APIView):
    """GET a table. Subclasses say which selector builds it and which window it covers."""

    permission_classes = [IsAuthenticated]
    csv = False
    window = "now"  # now | period | shift | month
    desk_only = False
    cached = False
    cache_name = ""

    def build(self, request, scope: ReportScope, window: Period | None, now: dt.datetime) -> Table:
        raise NotImplementedError

    def cache_extra(self, request) -> tuple:
        return tuple(sorted((k, v) for k, v in request.query_params.items() if k not in ("district", "from", "to")))

    def window_of(self, request) -> Period | None:
        if self.window == "period":
            return resolve_period(request.query_params)
        if self.window == "shift":
            return resolve_shift(request.query_params)
        if self.window == "month":
            return resolve_month(request.query_params)
        return None

    def table(self, request) -> tuple[Table, ReportScope, Period | None]:
        scope = resolve_scope(request.user, request.query_params)
        if self.desk_only and not is_desk(request.user):
            raise Forbidden(_("Only helpdesk staff may see the shift handover."))
        window = self.window_of(request)
        now = timezone.now()
        if self.cached:
            extra = self.cache_extra(request)
            data = cached_json(self.cache_name, scope, window, extra,
                               lambda: self.build(request, scope, window, now))
            return _from_json(data), scope, window
        return self.build(request, scope, window, now), scope, window

    def get(self, request, *args, **kwargs):
        table, scope, window = self.table(request)
        if self.csv:
            stamp = timezone.now().strftime("%Y%m%d")
            if window is not None:
                stamp = f"{window.first_day:%Y%m%d}-{window.last_day:%Y%m%d}"
            return csv_response(table, scope, stamp)
        data = table.as_json()
        data["scope"] = scope.as_dict()
        return Response(data)


def choice(request, name: str, allowed: dict[str, Any], default: str) -> str:
    value = inputs.one(request.query_params, name, required=False)
    if value is None:
        return default
    if value not in allowed:
        raise InvalidInput(_("Unknown value for %(name)s.") % {"name": name}, code=f"invalid_{name}", field=name)
    return value


def csv_view(view: type[ReportView]):
    """The CSV twin of a table view: same filters, streamed CSV, its own operation in the schema."""

    # Every row in one stream: no pages, so no cursor.
    @extend_schema(responses=CSV_RESPONSE, operation_id=f"reports_{view.__name__.lower()}_csv",
                   parameters=[OpenApiParameter("cursor", exclude=True)])
    def get(self, request, *args, **kwargs):
        return view.get(self, request, *args, **kwargs)

    return type(view.__name__ + "Csv", (view,), {"csv": True, "get": get})
