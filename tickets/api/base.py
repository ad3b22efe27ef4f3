"""The tickets REST API's ground: the staff and citizen base views, and what every operation's
schema shares (the Idempotency-Key header, the examples of a ticket and of a refused change).

Thin views: parse strictly, call a selector or a service, return a dict. Staff endpoints use the
session or an API token; citizen endpoints are anonymous, rate-limited per IP and per mobile, and
reach only the caller's own ticket. The operations are in tickets.py (reading and opening),
changes.py (one change to a ticket), public.py (citizens) and inbound.py (the SMS gateway).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework.permissions import AllowAny

from accounts.permissions import IsStaffRole, is_desk
from helpdesk import inputs, validation
from helpdesk.api import BaseView
from helpdesk.exceptions import Forbidden, InvalidInput
from tickets import selectors, services
from tickets.models import Ticket, TicketEvent

from .representation import event_dict
from .throttles import AnonThrottle

__all__ = ["ERROR_409", "GENERIC", "IDEMPOTENCY", "STALE_409", "TICKET_EXAMPLE", "BaseView", "PublicView",
           "StaffView", "expected_version"]


class StaffView(BaseView):
    permission_classes = [IsStaffRole]

    def ticket(self, request, number) -> Ticket:
        self._ticket = selectors.ticket_get(user=request.user, number=number)
        return self._ticket

    def handle_exception(self, exc):
        # A change refused because the ticket moved on shows what changed: the latest events.
        ticket = getattr(self, "_ticket", None)
        if isinstance(exc, services.StaleVersion) and ticket is not None and "recent_events" not in exc.extra:
            recent = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("-id")[:10]
            exc.extra["recent_events"] = [event_dict(e) for e in reversed(list(recent))]
        return super().handle_exception(exc)

    def desk_ticket(self, request, number) -> Ticket:
        """Scope first (outside the caller's scope: 404), then the role (not a desk role: 403)."""
        ticket = self.ticket(request, number)
        if not is_desk(request.user):
            raise Forbidden(_("Only helpdesk staff may do this."))
        return ticket


class PublicView(BaseView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Idempotency records of anonymous callers are kept apart per mobile.
        data = request.data if isinstance(request.data, dict) else {}
        try:
            request.citizen_scope = "mobile:" + validation.mobile(data["mobile"]) if "mobile" in data else ""
        except InvalidInput:
            request.citizen_scope = ""


TICKET_EXAMPLE = {
    "id": 41, "number": "K7M4QX2P", "display_number": "K7M4-QX2P", "status": "new", "priority": "P2",
    "channel": "phone", "requester_kind": "agent",
    "district": {"id": 1, "code": "raipur", "name": "Raipur"},
    "category": {"code": "otp-not-received", "name": "OTP not received"}, "assignee": None, "subject": "",
    "description": "OTP does not arrive for 2 hours", "requester_name": "Ramesh", "requester_mobile": "******4321",
    "registration_reference": "", "incident_id": None, "vendor_id": None, "merged_into_id": None,
    "chased_count": 0, "reopened_count": 0, "version": 1, "created_at": "2026-05-03T10:15:00+05:30",
    "updated_at": "2026-05-03T10:15:00+05:30", "first_response_at": None, "resolved_at": None, "closed_at": None,
}
ERROR_409 = OpenApiExample("Illegal move", status_codes=["409"], response_only=True, value={
    "code": "invalid_transition", "detail": "A ticket that is closed cannot move to in_progress.",
    "status": "closed", "allowed": [], "version": 7})
STALE_409 = OpenApiExample("Changed meanwhile", status_codes=["409"], response_only=True, value={
    "code": "stale_version", "detail": "This ticket changed since you opened it.", "current_version": 5,
    "status": "in_progress", "recent_events": [{"id": 88, "kind": "priority_changed", "actor": "sunita",
                                                "from": "P3", "to": "P1", "payload": {}, "is_public": False,
                                                "created_at": "2026-05-03T10:20:00+05:30"}]})
GENERIC = OpenApiTypes.OBJECT
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="Same key + same body replays the first answer; a different body is 422.")


def expected_version(data: dict) -> int | None:
    return inputs.integer(data.get("expected_version"), "expected_version", required=False)
