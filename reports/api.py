"""The reports JSON API and its CSV twins. Every table is served at
/api/reports/<table>/ (JSON, feeding the charts) and /api/reports/<table>.csv (streamed CSV with
the same filters and the same rows). Thin views: parse, scope, call a selector."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_desk
from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import Forbidden, InvalidInput
from tickets.models import Category, Channel, Priority, TicketStatus

from . import ratings as rating_tables
from . import selectors
from .caching import cached_json
from .scope import Period, ReportScope, resolve_month, resolve_period, resolve_scope, resolve_shift
from .services import handover_note_create
from .tables import Column, Table, json_value

DISTRICT_PARAM = OpenApiParameter(
    "district", OpenApiTypes.STR, description="District code (e.g. raipur). Omitted: the state "
    "for desk staff, their own district for a district official (another district: 404).")
FROM_PARAM = OpenApiParameter("from", OpenApiTypes.DATE, description="First IST day (inclusive); default 6 days before `to`.")
TO_PARAM = OpenApiParameter("to", OpenApiTypes.DATE, description="Last IST day (inclusive); default today.")
SHIFT_PARAMS = [
    OpenApiParameter("end", OpenApiTypes.STR, description="End of the shift, IST, yyyy-mm-ddThh:mm; default now."),
    OpenApiParameter("hours", OpenApiTypes.INT, description="Length of the shift in hours, 1-24; default 8."),
]
TABLE_EXAMPLE = OpenApiExample(
    "A table",
    value={
        "table": "backlog", "scope": {"level": "state", "district": None}, "total": 3,
        "columns": [{"key": "bucket", "label": "Age bucket", "kind": "text"},
                    {"key": "total", "label": "Total", "kind": "int"}],
        "rows": [{"bucket": "lt_1h", "total": 2}, {"bucket": "1h_4h", "total": 1}],
    },
)
CSV_RESPONSE = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same rows as the JSON table, streamed as CSV (UTF-8 with BOM).")}
JSON_RESPONSE = {200: OpenApiResponse(OpenApiTypes.OBJECT, description="A table: columns and rows.", examples=[TABLE_EXAMPLE])}


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


def _choice(request, name: str, allowed: dict[str, Any], default: str) -> str:
    value = inputs.one(request.query_params, name, required=False)
    if value is None:
        return default
    if value not in allowed:
        raise InvalidInput(_("Unknown value for %(name)s.") % {"name": name}, code=f"invalid_{name}", field=name)
    return value


# --- the tables -----------------------------------------------------------------------------


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses=JSON_RESPONSE,
               summary="Open tickets by status and priority (now)")
class OpenTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.open_by_status_priority(scope)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses=JSON_RESPONSE,
               summary="Today's intake by hour against the 28-day mean of the same hour")
class IntakeTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.intake_today(scope, now)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses=JSON_RESPONSE,
               summary="Open tickets by age bucket and priority (now)")
class BacklogTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.backlog_by_age(scope, now)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM], responses=JSON_RESPONSE,
               summary="SLA compliance per clock: met, breached, running, at risk now")
class SlaTable(ReportView):
    window = "period"

    def build(self, request, scope, window, now):
        return selectors.sla_compliance(scope, window, now)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM], responses=JSON_RESPONSE,
               summary="MTTA and MTTR, median and p90, wall-clock and business time")
class ResponseTimesTable(ReportView):
    window = "period"
    cached = True
    cache_name = "response-times"

    def build(self, request, scope, window, now):
        return selectors.response_times(scope, window)


@extend_schema(
    tags=["reports"], responses=JSON_RESPONSE, summary="Districts ranked by breaches, backlog or reopen rate",
    parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM,
                OpenApiParameter("order", OpenApiTypes.STR, enum=list(selectors.DISTRICT_ORDERS),
                                 description="Ranking; default breaches.")],
)
class DistrictsTable(ReportView):
    window = "period"
    cached = True
    cache_name = "districts"

    def cache_extra(self, request) -> tuple:
        return (("order", _choice(request, "order", selectors.DISTRICT_ORDERS, "breaches")),)

    def build(self, request, scope, window, now):
        order = _choice(request, "order", selectors.DISTRICT_ORDERS, "breaches")
        return selectors.districts(scope, window, now, order)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM], responses=JSON_RESPONSE,
               summary="A district against the state average")
class PositionTable(ReportView):
    window = "period"
    cached = True
    cache_name = "position"

    def build(self, request, scope, window, now):
        if scope.district is None:
            raise InvalidInput(_("Choose a district."), code="district_required", field="district")
        return selectors.district_position(scope, window, now)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM], responses=JSON_RESPONSE,
               summary="Tickets opened in the period by category")
class CategoriesTable(ReportView):
    window = "period"
    cached = True
    cache_name = "categories"

    def build(self, request, scope, window, now):
        return selectors.categories(scope, window)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM], responses=JSON_RESPONSE,
               summary="The vendor's accountability figures (from escalation)")
class VendorTable(ReportView):
    window = "period"
    cached = True
    cache_name = "vendor"

    def build(self, request, scope, window, now):
        return selectors.vendor_accountability(scope, window, now)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM], responses=JSON_RESPONSE,
               summary="Citizens' ratings (1-5) given in the period, per vendor, district and category")
class RatingsTable(ReportView):
    window = "period"
    cached = True
    cache_name = "ratings"

    def build(self, request, scope, window, now):
        return rating_tables.ratings(scope, window)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses=JSON_RESPONSE,
               summary="Open incidents with their linked open tickets")
class IncidentsTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.open_incidents(scope)


class _ShiftView(ReportView):
    window = "shift"
    desk_only = True


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS], responses=JSON_RESPONSE,
               summary="Shift handover: tickets opened in the shift")
class ShiftOpenedTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_opened(scope, window, limit=None if self.csv else 500)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS], responses=JSON_RESPONSE,
               summary="Shift handover: tickets resolved or closed in the shift")
class ShiftClosedTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_closed(scope, window, limit=None if self.csv else 500)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS], responses=JSON_RESPONSE,
               summary="Shift handover: escalations pending acknowledgement now")
class ShiftPendingTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_pending(scope, window, now, limit=None if self.csv else 500)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS], responses=JSON_RESPONSE,
               summary="Shift handover: SLA breaches during the shift")
class ShiftBreachesTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.shift_breaches(scope, window, now, limit=None if self.csv else 500)


@extend_schema(tags=["reports"], parameters=SHIFT_PARAMS, responses=JSON_RESPONSE,
               summary="Shift handover: notes written during the shift")
class ShiftNotesTable(_ShiftView):
    def build(self, request, scope, window, now):
        return selectors.handover_notes(window, limit=None if self.csv else 500)


# --- tickets export (a year of rows: streamed as CSV, cursor-paginated as JSON) ---------------

_LIST_FILTERS = {
    "status": set(TicketStatus.values),
    "priority": set(Priority.values),
    "channel": set(Channel.values),
}


def ticket_filters(request) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for name, allowed in [*_LIST_FILTERS.items(), ("category", None)]:
        value = inputs.one(request.query_params, name, required=False)  # a list is comma-separated
        if not value:
            continue
        items = [item.strip() for item in value.split(",") if item.strip()]
        if len(items) > 50 or any(len(item) > 64 for item in items):
            raise InvalidInput(_("Unknown value for %(name)s.") % {"name": name}, code=f"invalid_{name}", field=name)
        if allowed is None:
            allowed = set(Category.objects.filter(code__in=items).values_list("code", flat=True))
        if not items or any(item not in allowed for item in items):
            raise InvalidInput(_("Unknown value for %(name)s.") % {"name": name}, code=f"invalid_{name}", field=name)
        filters[name] = items
    return filters


TICKET_FILTER_PARAMS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=f"Comma-separated {name} values.")
    for name in ("status", "priority", "channel", "category")
]


class TicketCursor(CursorPagination):
    ordering = ("created_at", "id")
    page_size = 100


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, FROM_PARAM, TO_PARAM, *TICKET_FILTER_PARAMS],
               responses=JSON_RESPONSE, summary="Tickets opened in the period, with filters (cursor-paginated)")
class TicketsTable(ReportView):
    window = "period"

    def build(self, request, scope, window, now):
        return selectors.ticket_export(scope, window, ticket_filters(request))

    def get(self, request, *args, **kwargs):
        if self.csv:
            return super().get(request, *args, **kwargs)
        scope = resolve_scope(request.user, request.query_params)
        window = self.window_of(request)
        queryset = selectors.ticket_export_queryset(scope, window, ticket_filters(request))
        paginator = TicketCursor()
        page = paginator.paginate_queryset(queryset, request, view=self)
        table = selectors.ticket_export(scope, window, {}, rows=page)
        data = table.as_json()
        data["scope"] = scope.as_dict()
        data["next"] = paginator.get_next_link()
        data["previous"] = paginator.get_previous_link()
        return Response(data)


# --- shift summary and notes -----------------------------------------------------------------


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM, *SHIFT_PARAMS],
               responses={200: OpenApiResponse(OpenApiTypes.OBJECT, examples=[OpenApiExample("Summary", value={
                   "shift": {"start": "2026-11-25T06:00:00+05:30", "end": "2026-11-25T14:00:00+05:30"},
                   "opened": 120, "opened_p1": 4, "resolved": 97, "closed": 60, "open_now": 310})])},
               summary="Shift handover: counts for the shift")
class ShiftSummary(_ShiftView):
    def get(self, request, *args, **kwargs):
        scope = resolve_scope(request.user, request.query_params)
        if not is_desk(request.user):
            raise Forbidden(_("Only helpdesk staff may see the shift handover."))
        shift = resolve_shift(request.query_params)
        data = selectors.shift_summary(scope, shift, timezone.now())
        data["scope"] = scope.as_dict()
        return Response(data)


@extend_schema(
    tags=["reports"], summary="Write a note for the next shift (Idempotency-Key honoured)",
    request={"application/json": {"type": "object", "properties": {"body": {"type": "string", "maxLength": 2000},
                                                                   "ticket": {"type": "string"}},
                                   "required": ["body"]}},
    responses={201: OpenApiResponse(OpenApiTypes.OBJECT, examples=[OpenApiExample("Created", value={
        "id": 7, "body": "OTP gateway slow since 02:10; vendor acknowledged.", "ticket": None,
        "created_at": "2026-11-25T05:55:00+05:30", "author": "asha"})])},
)
class HandoverNoteCreate(APIView):
    permission_classes = [IsAuthenticated]

    @idempotent
    def post(self, request):
        if not isinstance(request.data, dict):
            raise InvalidInput(_("Send a JSON object."), code="invalid_body")
        unknown = set(request.data) - {"body", "ticket"}
        if unknown:
            raise InvalidInput(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_fields")
        note = handover_note_create(author=request.user, body=request.data.get("body"),
                                    ticket_number=request.data.get("ticket"))
        return Response({"id": note.pk, "body": note.body, "ticket": note.ticket.number if note.ticket else None,
                         "created_at": json_value(note.created_at), "author": request.user.username},
                        status=status.HTTP_201_CREATED)


TABLE_VIEWS: dict[str, type[ReportView]] = {
    "open": OpenTable, "intake": IntakeTable, "backlog": BacklogTable, "sla": SlaTable,
    "response-times": ResponseTimesTable, "districts": DistrictsTable, "position": PositionTable,
    "categories": CategoriesTable, "vendor": VendorTable, "ratings": RatingsTable, "incidents": IncidentsTable, "tickets": TicketsTable,
    "shift-opened": ShiftOpenedTable, "shift-closed": ShiftClosedTable, "shift-pending": ShiftPendingTable,
    "shift-breaches": ShiftBreachesTable, "shift-notes": ShiftNotesTable,
}


def csv_view(view: type[ReportView]):
    """The CSV twin of a table view: same filters, streamed CSV, its own operation in the schema."""

    @extend_schema(responses=CSV_RESPONSE, operation_id=f"reports_{view.__name__.lower()}_csv")
    def get(self, request, *args, **kwargs):
        return view.get(self, request, *args, **kwargs)

    return type(view.__name__ + "Csv", (view,), {"csv": True, "get": get})
