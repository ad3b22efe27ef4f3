"""The escalation REST API: a ticket's clocks, acknowledge, post progress with an ETA, the
supervisor's configuration (read), the escalation ledger, the accountability report (JSON/CSV)."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import permissions
from accounts.permissions import IsStaffRole, IsSupervisor
from helpdesk import api, inputs
from helpdesk.api import Pagination, idempotent
from helpdesk.exceptions import Forbidden, InvalidInput, NotFound
from tickets.models import Priority, Ticket
from tickets.numbers import normalise_number

from . import report, selectors, services, vendor_input
from .api_schemas import (
    AccountabilityOut,
    AcknowledgeOut,
    CalendarPage,
    ClockList,
    EscalationPage,
    LadderPage,
    PolicyPage,
    ProgressOut,
    RotationPage,
)
from .models import (
    Calendar,
    CalendarWindow,
    EscalationNotice,
    EscalationRecord,
    Ladder,
    OnCallRotation,
    Policy,
)
from .people import on_call_now
from .views import report_params

GENERIC = OpenApiTypes.OBJECT
# A date, or "" for the default (the dashboards' forms send empty fields).
DATE_OR_EMPTY = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="Same key + same body replays the first answer; a different body is 422.")
CLOCK_EXAMPLE = {
    "id": 7, "kind": "resolution", "label": "Resolution", "cycle": 1, "state": "running", "goal_minutes": 60,
    "business": True, "calendar": "24x7", "started_at": "2026-05-03T10:00:00+05:30",
    "due_at": "2026-05-03T11:00:00+05:30", "eta_at": None, "minutes_left": None, "breached_by_minutes": 12,
    "breached": True, "paused": False, "pause_reason": "", "paused_at": None, "elapsed_business_minutes": 72,
    "elapsed_wall_minutes": 72, "warnings_sent": 2, "escalation_steps": 1, "acknowledged_at": None,
    "stopped_at": None, "stop_reason": "",
}


class BaseView(api.BaseView):
    """Staff only; `ticket()` finds a ticket within the caller's scope (else 404)."""

    permission_classes = [IsStaffRole]

    def ticket(self, request, number: str) -> Ticket:
        normal = normalise_number(number)
        ticket = None
        if normal:
            ticket = permissions.scope_tickets(request.user, Ticket.objects.all()).filter(number=normal).first()
        if ticket is None:
            raise NotFound(_("No such ticket."))
        return ticket


def _iso(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


class TicketClocks(BaseView):
    @extend_schema(summary="A ticket's SLA clocks: due, time left or breached by, paused and why, elapsed",
                   responses={200: ClockList},
                   examples=[OpenApiExample("Breached", response_only=True, value={"results": [CLOCK_EXAMPLE]})])
    def get(self, request, number):
        ticket = self.ticket(request, number)
        rows = [{k: _iso(v) for k, v in row.items()} for row in selectors.ticket_clocks(ticket.pk)]
        return Response({"results": rows})


def _body(request, allowed: set[str]) -> dict:
    data = request.data
    if not isinstance(data, dict):
        raise InvalidInput(_("The body must be a JSON object."), code="invalid_body")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}, code="unknown_fields")
    return data


class TicketAcknowledge(BaseView):
    @extend_schema(summary="Acknowledge the ticket's escalations (idempotent; stops the ladder, starts the ETA clock)",
                   parameters=[IDEMPOTENCY], request=None, responses={200: AcknowledgeOut},
                   examples=[OpenApiExample("Done", response_only=True,
                                            value={"acknowledged": True, "clocks": ["resolution"]})])
    @idempotent
    def post(self, request, number):
        ticket = self.ticket(request, number)
        _body(request, set())
        if not services.may_act(request.user, ticket):
            raise Forbidden(_("Only vendor staff of this ticket and helpdesk staff may acknowledge."))
        result = services.escalation_acknowledge(ticket_id=ticket.pk, user=request.user, via=EscalationNotice.Via.API)
        return Response({"acknowledged": result.acknowledged, "clocks": result.clocks})


class TicketProgress(BaseView):
    @extend_schema(
        summary="Post progress with an ETA (a missed ETA is a breach of its own)",
        parameters=[IDEMPOTENCY],
        request=inline_serializer("Progress", {"eta": serializers.DateTimeField(), "note": serializers.CharField()}),
        responses={200: ProgressOut},
        examples=[OpenApiExample("Progress", request_only=True,
                                 value={"eta": "2027-05-03T14:00:00+05:30", "note": "DB failover in progress"})],
    )
    @idempotent
    def post(self, request, number):
        ticket = self.ticket(request, number)
        data = _body(request, {"eta", "note"})
        # The link page's and the inbox's rules (one parser, one note limit and message).
        eta = vendor_input.parse_eta(data.get("eta"), now=timezone.now())
        note = vendor_input.clean_note(data.get("note"), required=True)
        if not services.may_act(request.user, ticket):
            raise Forbidden(_("Only vendor staff of this ticket and helpdesk staff may post progress."))
        clock = services.escalation_post_progress(ticket_id=ticket.pk, user=request.user, eta=eta, note=note)
        return Response({"eta_at": clock.eta_at.isoformat(), "clock_id": clock.pk, "cycle": clock.cycle})


# --- Configuration (read) -------------------------------------------------------------------------
BOOLEAN = ("true", "false")


def _filtered(filterset, exact: dict | None = None):
    """The filtered queryset; an invalid filter value is a 400, never silently ignored: a given
    parameter is never "" (which django-filter takes as "any"), and those in `exact` take one of
    their values exactly (a boolean is true or false, as the schema writes it)."""
    exact = exact or {}
    for name in filterset.filters:
        value = inputs.one(filterset.data, name, required=False)
        if value is not None and (value == "" or (name in exact and value not in exact[name])):
            raise InvalidInput(_("Invalid filter."), code="invalid_filter", field=name)
    if not filterset.is_valid():
        raise InvalidInput(_("Invalid filter."), code="invalid_filter",
                           errors={k: [str(e) for e in v] for k, v in filterset.errors.items()})
    return filterset.qs


class ConfigList(APIView):
    permission_classes = [IsSupervisor]
    pagination_class = Pagination

    def paginate(self, request, queryset, to_dict):
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response([to_dict(obj) for obj in page])


class CalendarList(ConfigList):
    @extend_schema(summary="Calendars (24x7 and business hours with holidays)", responses={200: CalendarPage})
    def get(self, request):
        qs = Calendar.objects.order_by("name").prefetch_related(
            Prefetch("windows", queryset=CalendarWindow.objects.order_by("weekday", "opens")), "holidays")
        return self.paginate(request, qs, lambda c: {
            "id": c.pk, "name": c.name, "timezone": c.timezone, "always_open": c.always_open,
            "windows": [{"weekday": w.weekday, "opens": w.opens.strftime("%H:%M"), "closes": w.closes.strftime("%H:%M")}
                        for w in c.windows.all()],
            "holidays": [{"date": h.date.isoformat(), "name": h.name} for h in c.holidays.all()]})


class PolicyFilter(filters.FilterSet):
    class Meta:
        model = Policy
        fields = ["priority", "is_active", "district", "category"]


class PolicyList(ConfigList):
    @extend_schema(summary="SLA policies in matching order (first match wins, then the fallback)",
                   parameters=[OpenApiParameter("priority", str, enum=Priority.values),
                               OpenApiParameter("is_active", bool)],
                   responses={200: PolicyPage})
    def get(self, request):
        qs = _filtered(PolicyFilter(request.query_params, queryset=Policy.objects.select_related("calendar", "ladder")
                                    .order_by("position", "id")), exact={"is_active": BOOLEAN})
        return self.paginate(request, qs, lambda p: {
            "id": p.pk, "name": p.name, "position": p.position, "is_active": p.is_active, "is_fallback": p.is_fallback,
            "conditions": {"priority": p.priority or None, "category_id": p.category_id, "district_id": p.district_id,
                           "requester_kind": p.requester_kind or None},
            "calendar": p.calendar.name, "targets_minutes": {
                "first_response": p.first_response_minutes, "resolution": p.resolution_minutes,
                "vendor_ack": p.vendor_ack_minutes, "vendor_restore": p.vendor_restore_minutes,
                "eta_update": p.eta_update_minutes},
            "warn_percent": p.warn_percent, "warn_before_minutes": p.warn_before_minutes,
            "ladder": p.ladder.name if p.ladder else None, "vendor_id": p.vendor_id})


class LadderList(ConfigList):
    @extend_schema(summary="Escalation ladders and their levels", responses={200: LadderPage})
    def get(self, request):
        qs = Ladder.objects.order_by("name").prefetch_related("levels")
        return self.paginate(request, qs, lambda lad: {
            "id": lad.pk, "name": lad.name, "repeat_every_minutes": lad.repeat_every_minutes, "max_loops": lad.max_loops,
            "levels": [{"level": lv.level, "offset_minutes": lv.offset_minutes, "targets": lv.targets,
                        "channels": lv.channels, "requires_ack": lv.requires_ack} for lv in lad.levels.all()]})


class RotationList(ConfigList):
    @extend_schema(summary="On-call rotations (who is on call now)", responses={200: RotationPage})
    def get(self, request):
        now = timezone.now()
        qs = OnCallRotation.objects.select_related("vendor").prefetch_related("members__user").order_by("id")

        def to_dict(r):
            current = on_call_now(r.vendor_id, now) if r.is_active else None
            return {"id": r.pk, "name": r.name, "vendor": r.vendor.code, "starts_at": r.starts_at.isoformat(),
                    "shift_hours": r.shift_hours, "is_active": r.is_active,
                    "members": [m.user.username for m in r.members.all()],
                    "on_call_now": current.username if current else None}

        return self.paginate(request, qs, to_dict)


class EscalationFilter(filters.FilterSet):
    acknowledged = filters.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull", exclude=True)
    fired_after = filters.IsoDateTimeFilter(field_name="fired_at", lookup_expr="gte")

    class Meta:
        model = EscalationRecord
        fields = ["vendor", "level", "acknowledged", "fired_after"]


class EscalationList(ConfigList):
    permission_classes = [IsStaffRole]

    @extend_schema(summary="The escalation ledger: each step that fired, to whom, acknowledged when and how",
                   parameters=[OpenApiParameter("vendor", int), OpenApiParameter("acknowledged", bool),
                               OpenApiParameter("fired_after", OpenApiTypes.DATETIME)],
                   responses={200: EscalationPage})
    def get(self, request):
        tickets = permissions.scope_tickets(request.user, Ticket.objects.all())
        qs = _filtered(EscalationFilter(request.query_params, queryset=EscalationRecord.objects.filter(ticket__in=tickets)
                                        .select_related("ticket", "clock").prefetch_related("notices__user")
                                        .order_by("-fired_at", "-id")), exact={"acknowledged": BOOLEAN})
        return self.paginate(request, qs, lambda e: {
            "id": e.pk, "ticket": e.ticket.number, "clock": e.clock.kind, "cycle": e.clock.cycle, "level": e.level,
            "loop": e.loop, "vendor_id": e.vendor_id, "due_at": e.due_at.isoformat(), "fired_at": e.fired_at.isoformat(),
            "acknowledged_at": _iso(e.acknowledged_at),
            "notices": [{"user": n.user.username if n.user else None, "target": n.target, "channels": n.channels,
                         "acknowledged_at": _iso(n.acknowledged_at), "via": n.ack_via or None}
                        for n in e.notices.all()]})


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str | bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            # An error asked for as CSV: its code and message as a two-column table, not a 500.
            rows = [("code", "detail"), (str(data.get("code", "")), str(data.get("detail", "")))]
            return "\r\n".join(",".join(f'"{cell.replace(chr(34), chr(34) * 2)}"' for cell in row) for row in rows) + "\r\n"
        if not isinstance(data, dict) or "vendors" not in data:
            # Not the report (OPTIONS metadata asked for with format=csv): as JSON, not a 500.
            return json.dumps(data).encode()
        return report.to_csv(data)


class Accountability(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        summary="Accountability report per vendor and per person (JSON, or CSV with format=csv)",
        parameters=[OpenApiParameter("from", DATE_OR_EMPTY, description="YYYY-MM-DD (IST), default 6 days ago"),
                    OpenApiParameter("to", DATE_OR_EMPTY, description="YYYY-MM-DD (IST), inclusive, default today; "
                                     "at most a year after from"),
                    OpenApiParameter("district", int, description="supervisors only; officials get their own"),
                    OpenApiParameter("format", str, enum=["json", "csv"])],
        responses={200: AccountabilityOut})
    def get(self, request):
        if not (permissions.is_supervisor(request.user) or permissions.is_district_official(request.user)):
            raise NotFound(_("Not found."))
        params = report_params(request.user, request.query_params)
        data = report.accountability(start=params["start"], end=params["end"], district_id=params["district_id"])
        if request.query_params.get("format") == "csv":
            response = HttpResponse(report.to_csv(data), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="accountability-{params["from_date"]}-{params["to_date"]}.csv"')
            return response
        return Response(data)

