"""One change to a ticket: its status, assignee, priority, category, a merge, the incident, a
call back, the registration reference. Each calls its service (row lock, event, version bump)
and answers the ticket as it is now."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from accounts.models import User, Vendor
from accounts.permissions import IsSupervisor
from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import InvalidInput, NotFound
from tickets import intake, selectors, services
from tickets.models import Ticket, TicketStatus
from tickets.numbers import normalise_number
from tickets.services import Actor

from . import requests, schemas
from .base import ERROR_409, GENERIC, IDEMPOTENCY, STALE_409, StaffView, expected_version
from .representation import ticket_dict


class TicketTransition(StaffView):
    @extend_schema(
        summary="Change the status (explicit transition table; illegal move: 409 with the current state)",
        parameters=[IDEMPOTENCY],
        request=requests.Transition,
        responses={200: schemas.TicketOut, 409: GENERIC},
        examples=[OpenApiExample("Resolve", request_only=True, value={"to": "resolved", "expected_version": 4, "note": "OTP gateway restored; please try again."}),
                  ERROR_409, STALE_409],
    )
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"to", "note", "vendor", "expected_version"}, required={"to"})
        to = inputs.choice(data.get("to"), "to", [s for s in TicketStatus.values if s != TicketStatus.MERGED])
        vendor = None
        if data.get("vendor") not in (None, ""):
            vendor = Vendor.objects.filter(code=inputs.text(data.get("vendor"), "vendor", max_len=64)).first()
            if vendor is None:
                raise InvalidInput(_("Unknown vendor."), code="invalid_vendor", field="vendor")
        services.ticket_transition(ticket_id=ticket.pk, to=to, actor=Actor.of(request.user),
                                   note=intake.transition_note(data.get("note"), to=to, current=ticket.status),
                                   expected_version=expected_version(data),
                                   vendor=vendor)
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketAssign(StaffView):
    @extend_schema(summary="Assign (or unassign with null)", parameters=[IDEMPOTENCY],
                   request=requests.Assign,
                   responses={200: schemas.TicketOut},
                   examples=[OpenApiExample("Assign", request_only=True, value={"assignee": 7})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"assignee", "expected_version"})
        if "assignee" not in data:
            raise InvalidInput(_("Missing fields: %(fields)s.") % {"fields": "assignee"}, code="missing_fields")
        assignee_id = inputs.integer(data.get("assignee"), "assignee", required=False)
        assignee = None
        if assignee_id is not None:
            assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
            if assignee is None:
                raise InvalidInput(_("Unknown user."), code="invalid_assignee", field="assignee")
        services.ticket_assign(ticket_id=ticket.pk, assignee=assignee, actor=Actor.of(request.user),
                               expected_version=expected_version(data))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketPriority(StaffView):
    @extend_schema(summary="Set the priority", parameters=[IDEMPOTENCY],
                   request=requests.SetPriority,
                   responses={200: schemas.TicketOut}, examples=[OpenApiExample("P1", request_only=True, value={"priority": "P1"})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"priority", "expected_version"}, required={"priority"})
        services.ticket_set_priority(ticket_id=ticket.pk, priority=intake.priority_from(data["priority"]),
                                     actor=Actor.of(request.user), expected_version=expected_version(data))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketCategory(StaffView):
    @extend_schema(summary="Set the category", parameters=[IDEMPOTENCY],
                   request=requests.SetCategory,
                   responses={200: schemas.TicketOut},
                   examples=[OpenApiExample("Category", request_only=True, value={"category": "portal-down"})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"category", "expected_version"}, required={"category"})
        services.ticket_set_category(ticket_id=ticket.pk, category=intake.category_from(data["category"]),
                                     actor=Actor.of(request.user), expected_version=expected_version(data))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketMerge(StaffView):
    permission_classes = [IsSupervisor]

    @extend_schema(summary="Merge duplicates into this ticket (supervisors)", parameters=[IDEMPOTENCY],
                   request=requests.Merge,
                   responses={200: schemas.TicketOut, 409: GENERIC},
                   examples=[OpenApiExample("Merge two", request_only=True,
                                            value={"tickets": ["K7M4QX2P", "A2C3-D4E6"], "note": "same outage"})])
    @idempotent
    def post(self, request, number):
        survivor = self.ticket(request, number)
        data = inputs.body(request.data, allowed={"tickets", "note"}, required={"tickets"})
        raw = data["tickets"]
        if not isinstance(raw, list) or not raw or len(raw) > requests.MERGE_MAX:
            raise InvalidInput(_("tickets is a list of 1 to 100 ticket numbers."), code="invalid_tickets", field="tickets")
        numbers = [normalise_number(n) for n in raw]
        if None in numbers:
            raise InvalidInput(_("tickets is a list of 1 to 100 ticket numbers."), code="invalid_tickets", field="tickets")
        found = dict(Ticket.objects.filter(number__in=numbers).values_list("number", "pk"))
        missing = sorted(set(numbers) - set(found))
        if missing:
            raise NotFound(_("Ticket not found."), numbers=missing)
        services.ticket_merge(survivor_id=survivor.pk, merged_ids=list(found.values()), actor=Actor.of(request.user),
                              note=inputs.note(data.get("note"), required=False))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=survivor.number)))


class TicketIncident(StaffView):
    @extend_schema(summary="Link to an incident (null unlinks)", parameters=[IDEMPOTENCY],
                   request=requests.LinkIncident,
                   responses={200: schemas.TicketOut}, examples=[OpenApiExample("Link", request_only=True, value={"incident": 3})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"incident"})
        if "incident" not in data:
            raise InvalidInput(_("Missing fields: %(fields)s.") % {"fields": "incident"}, code="missing_fields")
        incident_id = inputs.integer(data.get("incident"), "incident", required=False)
        if incident_id is not None and not selectors.incident_exists(incident_id):
            raise InvalidInput(_("Unknown incident."), code="invalid_incident", field="incident")
        services.ticket_link_incident(ticket_id=ticket.pk, incident_id=incident_id, actor=Actor.of(request.user))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketContacted(StaffView):
    @extend_schema(summary="Record a call back to the citizen (counts as first response)", parameters=[IDEMPOTENCY],
                   request=requests.Contacted,
                   responses={200: schemas.TicketOut})
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"note"})
        services.ticket_mark_contacted(ticket_id=ticket.pk, actor=Actor.of(request.user),
                                       note=inputs.note(data.get("note"), required=False))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketRegistration(StaffView):
    @extend_schema(summary="Attach the caller's 14-digit registration reference", parameters=[IDEMPOTENCY],
                   request=requests.AttachRegistration,
                   responses={200: schemas.TicketOut},
                   examples=[OpenApiExample("Attach", request_only=True, value={"reference_id": "12345678901234"})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"reference_id"}, required={"reference_id"})
        services.ticket_attach_registration(ticket_id=ticket.pk, reference_id=data["reference_id"],
                                            actor=Actor.of(request.user))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))
