"""The public status snapshot and the event snapshot for reconnecting clients."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import translation
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.permissions import IsStaffRole
from helpdesk import inputs
from helpdesk.api import BaseView, Pagination

from .. import selectors
from ..events import ticket_event_json
from . import parsing
from .representation import status_snapshot
from .schemas import EventPage, StatusOut

CURSOR = {"type": "integer", "minimum": 0, "maximum": inputs.MAX_INT}
PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": inputs.MAX_INT}


class StatusView(BaseView):
    """Public status snapshot (what /status/ shows). Cached briefly; invalidated on change."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("district", {"type": "string", "maxLength": 64, "pattern": r"^[-a-zA-Z0-9_]*$"},
                                     description="an existing district's code, e.g. bastar (else 400)")],
        responses={200: StatusOut},
        examples=[OpenApiExample("status", value={"district": None, "components": [
            {"code": "otp-sms", "name_en": "OTP / SMS", "name_hi": "ओटीपी / एसएमएस", "status": "operational",
             "districts": [{"id": 5, "code": "bastar", "status": "partial_outage"}]}], "incidents": []},
            response_only=True)],
        summary="Public status of the portal's components and open incidents",
    )
    def get(self, request):
        district = selectors.district_from_param(inputs.one(request.query_params, "district", required=False))
        version = cache.get("live:status-version", 0)
        key = f"live:status-api:{version}:{district.code if district else '-'}"
        data = cache.get(key)
        if data is None:
            with translation.override("en"):
                data = status_snapshot(district)
            cache.set(key, data, 10)
        return Response(data)


class EventsView(BaseView):
    """Ticket events after a cursor, for a client that reconnects (DOMAIN.md §7: live events are
    hints; this is the snapshot). Scoped with accounts.permissions.scope_tickets."""

    permission_classes = [IsStaffRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", CURSOR, description="last event id the client saw (0: from start)"),
            OpenApiParameter("ticket", CURSOR, description="only this ticket's events"),
            OpenApiParameter("page_size", PAGE_SIZE, description="default 50; more than 200 gives 200"),
        ],
        responses={200: EventPage},
        examples=[OpenApiExample("events", value={"count": 1, "next": None, "previous": None, "cursor": 42,
                                                  "results": [{"type": "ticket.status_changed", "event_id": 42,
                                                               "ticket_id": 9, "number": "K7M4QX2P",
                                                               "district_id": 1, "status": "in_progress",
                                                               "priority": "P2",
                                                               "changes": {"from": "new", "to": "in_progress"},
                                                               "at": "2026-11-25T10:00:00+05:30"}]},
                                  response_only=True)],
        summary="Ticket events since a cursor (reconnect snapshot)",
    )
    def get(self, request):
        since = parsing.query_int(request, "since", 0)
        ticket_id = parsing.query_int(request, "ticket")
        # Pagination would take a page_size that is not a number as the default: refused instead.
        inputs.query_int(request.query_params, "page_size", minimum=1)
        events = selectors.events_since(user=request.user, since=since, ticket_id=ticket_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(events, request, view=self)
        results = [ticket_event_json(e.ticket, e) for e in page]
        response = paginator.get_paginated_response(results)
        response.data["cursor"] = results[-1]["event_id"] if results else since
        return response
