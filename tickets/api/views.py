"""The tickets REST API. Thin views: parse strictly, call a selector or a service, return a dict.

Staff endpoints use the session (log in once; never Basic auth per request). Citizen endpoints
are anonymous, rate-limited per IP and per mobile, and reach only the caller's own ticket.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import User, Vendor
from accounts.permissions import (
    IsDesk,
    IsStaffRole,
    IsSupervisor,
    is_desk,
    is_district_official,
)
from helpdesk import inputs, validation
from helpdesk.api import BaseView, idempotent
from helpdesk.exceptions import Forbidden, InvalidInput, NotFound
from tickets import intake, selectors, services, sms
from tickets.models import OPEN_STATUSES, Channel, RequesterKind, Ticket, TicketEvent, TicketStatus
from tickets.numbers import normalise_number
from tickets.services import Actor

from . import lists, schemas
from .representation import comment_dict, event_dict, public_ticket_dict, ticket_dict
from .throttles import AnonIpThrottle, AnonMobileThrottle

log = logging.getLogger("tickets.api")


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
    throttle_classes = [AnonIpThrottle, AnonMobileThrottle]

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

CREATE_FIELDS = {"district", "category", "description", "subject", "priority", "name", "mobile", "language",
                 "reference_id", "channel", "attach_to_open"}


class TicketListCreate(StaffView):
    @extend_schema(
        summary="List tickets in the caller's scope: saved views, filters, search, sort", operation_id="tickets_list",
        parameters=lists.LIST_PARAMETERS,
        responses={200: schemas.TicketPage, 400: GENERIC, 404: GENERIC},
        examples=[OpenApiExample("Page", response_only=True, value={
            "count": 1, "count_capped": False, "view": "open", "sort": "priority", "next": None, "previous": None,
            "results": [TICKET_EXAMPLE]}),
            OpenApiExample("Unknown sort key", response_only=True, status_codes=["400"], value={
                "code": "invalid_sort", "detail": "Unknown sort key: evil. Choose from: created, updated, priority, "
                "status, district, category, assignee, number.", "field": "sort"})],
    )
    def get(self, request):
        return lists.list_tickets(request)

    @extend_schema(
        summary="Open a ticket (agents: for a caller; district officials: for their district)",
        parameters=[IDEMPOTENCY],
        request=inline_serializer("TicketCreate", {
            "district": serializers.IntegerField(help_text="district id; district officials may omit it"),
            "category": serializers.CharField(help_text="category code, e.g. otp-not-received"),
            "description": serializers.CharField(max_length=5000),
            "subject": serializers.CharField(required=False, max_length=200),
            "priority": serializers.ChoiceField(["P1", "P2", "P3", "P4"], required=False),
            "name": serializers.CharField(required=False), "mobile": serializers.CharField(required=False),
            "language": serializers.ChoiceField(["en", "hi"], required=False),
            "reference_id": serializers.CharField(required=False, help_text="14 digits"),
            "channel": serializers.ChoiceField(["phone", "web", "api", "sms"], required=False),
            "attach_to_open": serializers.BooleanField(required=False, default=True),
        }),
        responses={201: schemas.TicketCreated, 200: schemas.TicketCreated, 400: GENERIC, 422: GENERIC},
        examples=[
            OpenApiExample("Phone call", request_only=True, value={
                "district": 1, "category": "otp-not-received", "description": "OTP does not arrive",
                "name": "Ramesh", "mobile": "9876504321", "channel": "phone"}),
            OpenApiExample("Created", status_codes=["201"], response_only=True,
                           value={"created": True, "ticket": TICKET_EXAMPLE}),
            OpenApiExample("Repeat caller attached", status_codes=["200"], response_only=True,
                           value={"created": False, "ticket": {**TICKET_EXAMPLE, "chased_count": 1}}),
        ],
    )
    @idempotent
    def post(self, request):
        user = request.user
        if not (is_desk(user) or is_district_official(user)):
            raise Forbidden(_("Only helpdesk staff and district officials may open tickets."))
        data = inputs.body(request.data, allowed=CREATE_FIELDS, required={"category", "description"})
        if is_district_official(user):
            if data.get("district") in (None, ""):
                data = {**data, "district": user.district_id}
            kind, default_channel = RequesterKind.DISTRICT, Channel.WEB
        else:
            kind, default_channel = RequesterKind.AGENT, Channel.API
        fields = intake.complaint(data, mobile_required=False, name_required=False)
        if is_district_official(user) and fields["district"].pk != user.district_id:
            raise InvalidInput(_("You can file issues for your own district only."), code="invalid_district",
                               field="district")
        channel = inputs.choice(data.get("channel"), "channel", Channel.values, default=default_channel)
        result = services.ticket_create(
            **fields, requester_kind=kind, channel=channel, actor=Actor.of(user),
            priority=intake.priority_from(data.get("priority")),
            subject=inputs.text(data.get("subject"), "subject", max_len=200),
            attach_to_open=inputs.boolean(data.get("attach_to_open"), "attach_to_open", default=True),
        )
        ticket = selectors.ticket_queryset().get(pk=result.ticket.pk) if not result.created else result.ticket
        return Response({"created": result.created, "ticket": ticket_dict(ticket)}, status=201 if result.created else 200)


class TicketBulk(lists.TicketBulk, StaffView):
    pass


class TeamViews(lists.TeamViewList, StaffView):
    pass


class TicketDetail(StaffView):
    @extend_schema(summary="One ticket (404 outside the caller's scope)", responses={200: schemas.TicketOut, 404: GENERIC},
                   examples=[OpenApiExample("Ticket", response_only=True, value=TICKET_EXAMPLE)])
    def get(self, request, number):
        return Response(ticket_dict(self.ticket(request, number)))


class TicketComments(StaffView):
    @extend_schema(summary="The ticket's comments (public replies and internal notes)", responses={200: schemas.CommentList})
    def get(self, request, number):
        ticket = self.ticket(request, number)
        return Response({"results": [comment_dict(c) for c in selectors.staff_thread(ticket)]})

    @extend_schema(
        summary="Reply publicly or add an internal note",
        parameters=[IDEMPOTENCY],
        request=inline_serializer("CommentCreate", {
            "body": serializers.CharField(max_length=5000), "public": serializers.BooleanField(default=False),
            "expected_version": serializers.IntegerField(required=False)}),
        responses={201: schemas.CommentOut, 409: GENERIC},
        examples=[OpenApiExample("Public reply", request_only=True,
                                 value={"body": "OTP service restored, please retry.", "public": True,
                                        "expected_version": 3}), STALE_409],
    )
    @idempotent
    def post(self, request, number):
        ticket = self.ticket(request, number)
        data = inputs.body(request.data, allowed={"body", "public", "expected_version"}, required={"body"})
        public = inputs.boolean(data.get("public"), "public", default=False)
        if public and not is_desk(request.user):
            raise Forbidden(_("Only helpdesk staff reply publicly; your comment can be internal."))
        comment = services.ticket_comment(
            ticket_id=ticket.pk, body=inputs.text(data.get("body"), "body", max_len=5000), actor=Actor.of(request.user),
            is_public=public,
            expected_version=inputs.integer(data.get("expected_version"), "expected_version", required=False),
        )
        return Response(comment_dict(comment), status=201)


class TicketEvents(StaffView):
    @extend_schema(summary="The ticket's timeline (append-only events)",
                   parameters=[OpenApiParameter("after", int, description="only events with a larger id")],
                   responses={200: schemas.EventList})
    def get(self, request, number):
        ticket = self.ticket(request, number)
        raw = request.query_params.get("after", "0")
        after = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else 0
        return Response({"results": [event_dict(e) for e in selectors.ticket_events(ticket, after_id=after)]})


def _version(data):
    return inputs.integer(data.get("expected_version"), "expected_version", required=False)


class TicketTransition(StaffView):
    @extend_schema(
        summary="Change the status (explicit transition table; illegal move: 409 with the current state)",
        parameters=[IDEMPOTENCY],
        request=inline_serializer("Transition", {
            "to": serializers.ChoiceField([s for s in TicketStatus.values if s != "merged"]),
            "note": serializers.CharField(required=False), "vendor": serializers.CharField(required=False),
            "expected_version": serializers.IntegerField(required=False)}),
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
                                   expected_version=_version(data),
                                   vendor=vendor)
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketAssign(StaffView):
    @extend_schema(summary="Assign (or unassign with null)", parameters=[IDEMPOTENCY],
                   request=inline_serializer("Assign", {"assignee": serializers.IntegerField(allow_null=True),
                                                        "expected_version": serializers.IntegerField(required=False)}),
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
                               expected_version=_version(data))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketPriority(StaffView):
    @extend_schema(summary="Set the priority", parameters=[IDEMPOTENCY],
                   request=inline_serializer("SetPriority", {"priority": serializers.ChoiceField(["P1", "P2", "P3", "P4"]),
                                                             "expected_version": serializers.IntegerField(required=False)}),
                   responses={200: schemas.TicketOut}, examples=[OpenApiExample("P1", request_only=True, value={"priority": "P1"})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"priority", "expected_version"}, required={"priority"})
        services.ticket_set_priority(ticket_id=ticket.pk, priority=intake.priority_from(data["priority"]),
                                     actor=Actor.of(request.user), expected_version=_version(data))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketCategory(StaffView):
    @extend_schema(summary="Set the category", parameters=[IDEMPOTENCY],
                   request=inline_serializer("SetCategory", {"category": serializers.CharField(),
                                                             "expected_version": serializers.IntegerField(required=False)}),
                   responses={200: schemas.TicketOut},
                   examples=[OpenApiExample("Category", request_only=True, value={"category": "portal-down"})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"category", "expected_version"}, required={"category"})
        services.ticket_set_category(ticket_id=ticket.pk, category=intake.category_from(data["category"]),
                                     actor=Actor.of(request.user), expected_version=_version(data))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class TicketMerge(StaffView):
    permission_classes = [IsSupervisor]

    @extend_schema(summary="Merge duplicates into this ticket (supervisors)", parameters=[IDEMPOTENCY],
                   request=inline_serializer("Merge", {"tickets": serializers.ListField(child=serializers.CharField()),
                                                       "note": serializers.CharField(required=False)}),
                   responses={200: schemas.TicketOut, 409: GENERIC},
                   examples=[OpenApiExample("Merge two", request_only=True,
                                            value={"tickets": ["K7M4QX2P", "A2C3-D4E6"], "note": "same outage"})])
    @idempotent
    def post(self, request, number):
        survivor = self.ticket(request, number)
        data = inputs.body(request.data, allowed={"tickets", "note"}, required={"tickets"})
        raw = data["tickets"]
        if not isinstance(raw, list) or not raw or len(raw) > 100:
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
                   request=inline_serializer("LinkIncident", {"incident": serializers.IntegerField(allow_null=True)}),
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
                   request=inline_serializer("Contacted", {"note": serializers.CharField(required=False)}),
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
                   request=inline_serializer("AttachRegistration", {"reference_id": serializers.CharField()}),
                   responses={200: schemas.TicketOut},
                   examples=[OpenApiExample("Attach", request_only=True, value={"reference_id": "12345678901234"})])
    @idempotent
    def post(self, request, number):
        ticket = self.desk_ticket(request, number)
        data = inputs.body(request.data, allowed={"reference_id"}, required={"reference_id"})
        services.ticket_attach_registration(ticket_id=ticket.pk, reference_id=data["reference_id"],
                                            actor=Actor.of(request.user))
        return Response(ticket_dict(selectors.ticket_get(user=request.user, number=ticket.number)))


class CallerLookup(StaffView):
    permission_classes = [IsDesk]

    @extend_schema(summary="Find a caller's tickets by mobile, ticket number or registration reference (logged)",
                   parameters=[OpenApiParameter("q", str, required=True)], responses={200: schemas.CallerLookupOut, 400: GENERIC})
    def get(self, request):
        kind, _value, tickets = selectors.caller_lookup(user=request.user, query=request.query_params.get("q"))
        return Response({"matched_by": kind, "open": [t.number for t in tickets if t.status in OPEN_STATUSES],
                         "results": [ticket_dict(t) for t in tickets]})


class CategoryList(BaseView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(summary="Complaint categories (bilingual)", responses={200: schemas.CategoryList})
    def get(self, request):
        return Response({"results": [{"code": c.code, "name_en": c.name_en, "name_hi": c.name_hi,
                                      "default_priority": c.default_priority} for c in intake.categories().values()]})


# --- Citizens ---------------------------------------------------------------------------------

class PublicTicketCreate(PublicView):
    @extend_schema(
        summary="A citizen's complaint (no account). The status link is sent by SMS, never returned.",
        parameters=[IDEMPOTENCY], auth=[],
        request=inline_serializer("CitizenComplaint", {
            "name": serializers.CharField(max_length=120), "mobile": serializers.CharField(),
            "district": serializers.IntegerField(), "category": serializers.CharField(),
            "description": serializers.CharField(max_length=5000),
            "reference_id": serializers.CharField(required=False, help_text="14 digits"),
            "language": serializers.ChoiceField(["en", "hi"], required=False)}),
        responses={201: schemas.PublicTicketCreated, 200: schemas.PublicTicketCreated, 400: GENERIC, 429: GENERIC},
        examples=[
            OpenApiExample("Complaint", request_only=True, value={
                "name": "Sita", "mobile": "9876504321", "district": 1, "category": "otp-not-received",
                "description": "OTP nahi aa raha", "language": "hi"}),
            OpenApiExample("Registered", status_codes=["201"], response_only=True,
                           value={"created": True, "number": "K7M4QX2P", "display_number": "K7M4-QX2P"}),
            OpenApiExample("Added to the open complaint", status_codes=["200"], response_only=True,
                           value={"created": False, "detail": "Added to your open complaint; its number was sent by SMS."}),
        ],
    )
    @idempotent
    def post(self, request):
        data = inputs.body(request.data, allowed={"name", "mobile", "district", "category", "description",
                                              "reference_id", "language"},
                            required={"name", "mobile", "district", "category", "description"})
        fields = intake.complaint(data)
        result = services.ticket_create(**fields, requester_kind=RequesterKind.CITIZEN, channel=Channel.WEB,
                                        actor=Actor(label="citizen"))
        if not result.created:
            return Response({"created": False, "detail": _("Added to your open complaint; its number was sent by SMS.")})
        ticket = result.ticket
        return Response({"created": True, "number": ticket.number, "display_number": ticket.display_number},
                        status=201)


class PublicStatus(PublicView):
    @extend_schema(
        summary="Status by ticket number + mobile. Whatever is wrong, the answer is the same 404.",
        auth=[], request=inline_serializer("StatusLookup", {"number": serializers.CharField(),
                                                            "mobile": serializers.CharField()}),
        responses={200: schemas.PublicTicketOut, 404: GENERIC, 429: GENERIC},
        examples=[OpenApiExample("Lookup", request_only=True, value={"number": "K7M4-QX2P", "mobile": "9876504321"}),
                  OpenApiExample("Not found", status_codes=["404"], response_only=True,
                                 value={"code": "not_found", "detail": "Ticket not found."})],
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        if set(data) - {"number", "mobile"}:
            raise NotFound(_("Ticket not found."))
        ticket = selectors.ticket_get_by_mobile(number=data.get("number"), mobile=data.get("mobile"))
        return Response(public_ticket_dict(ticket, selectors.public_thread(ticket)))


class PublicThread(PublicView):
    @extend_schema(summary="The citizen's own ticket through the secret link from the SMS", auth=[],
                   responses={200: schemas.PublicTicketOut, 404: GENERIC})
    def get(self, request, number, secret):
        ticket = selectors.ticket_get_by_secret(number=number, secret=secret)
        return Response(public_ticket_dict(ticket, selectors.public_thread(ticket)))

    @extend_schema(summary="The citizen replies (reopens a resolved ticket, resumes one awaiting the citizen)",
                   auth=[], parameters=[IDEMPOTENCY], operation_id="public_ticket_reply",
                   request=inline_serializer("CitizenReply", {"body": serializers.CharField(max_length=5000)}),
                   responses={201: schemas.PublicTicketOut, 404: GENERIC, 409: GENERIC},
                   examples=[OpenApiExample("Reply", request_only=True, value={"body": "Still no OTP today."})])
    @idempotent
    def post(self, request, number, secret):
        ticket = selectors.ticket_get_by_secret(number=number, secret=secret)
        data = inputs.body(request.data, allowed={"body"}, required={"body"})
        services.ticket_comment(ticket_id=ticket.merged_into_id or ticket.pk,
                                body=inputs.text(data.get("body"), "body", max_len=5000), actor=Actor(label="citizen"),
                                is_public=True)
        ticket.refresh_from_db()
        return Response(public_ticket_dict(ticket, selectors.public_thread(ticket)), status=201)


class SmsInbound(BaseView):
    """The SMS gateway posts {sender, text}. Decided for an unknown mobile (or a known one without
    an open ticket): no ticket is opened (an SMS carries no district or category to route it);
    the sender gets an SMS pointing to the complaint form and the helpline."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_throttles(self):
        # Per sender always; per IP only when the gateway is not authenticated by its key (a real
        # gateway posts everything from one address).
        throttles = [AnonMobileThrottle()]
        return throttles if settings.SMS_INBOUND_KEY else [*throttles, AnonIpThrottle()]

    def initial(self, request, *args, **kwargs):
        inputs.check_size(request)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            request.throttle_mobile = validation.mobile(data.get("sender")) if data.get("sender") else None
        except InvalidInput:
            request.throttle_mobile = None
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary="Inbound SMS webhook (header X-Gateway-Key)", auth=[],
        request=inline_serializer("InboundSms", {"sender": serializers.CharField(), "text": serializers.CharField(),
                                                 "id": serializers.CharField(required=False)}),
        responses={200: schemas.SmsInboundOut, 400: GENERIC, 403: GENERIC},
        examples=[OpenApiExample("Status request", request_only=True,
                                 value={"sender": "+919876504321", "text": "STATUS K7M4QX2P", "id": "gw-881"}),
                  OpenApiExample("Handled", response_only=True, value={"action": "status_sent"})],
    )
    def post(self, request):
        import hmac

        expected = settings.SMS_INBOUND_KEY
        if expected and not hmac.compare_digest(request.headers.get("X-Gateway-Key", "").encode(), expected.encode()):
            raise Forbidden(_("Unknown gateway."), code="bad_gateway_key")
        data = inputs.body(request.data, allowed={"sender", "text", "id"}, required={"sender", "text"})
        sender = validation.mobile(data["sender"])
        text = inputs.text(data.get("text"), "text", max_len=1600).strip()
        # The gateway's message id makes its retries one reply; without one every post is new.
        message_id = inputs.text(data.get("id"), "id", max_len=100) or uuid.uuid4().hex
        return Response({"action": sms.sms_receive(sender=sender, text=text, gateway_id=message_id)})





