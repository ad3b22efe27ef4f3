"""Reading tickets and opening one: the list (saved views, filters, search), a ticket, its
comments and timeline, the caller search and the categories."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.permissions import IsDesk, is_desk, is_district_official
from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import Forbidden, InvalidInput
from tickets import intake, selectors, services
from tickets.models import OPEN_STATUSES, Channel, RequesterKind
from tickets.services import Actor

from . import lists, requests, schemas
from .base import (
    GENERIC,
    IDEMPOTENCY,
    STALE_409,
    TICKET_EXAMPLE,
    BaseView,
    StaffView,
    expected_version,
)
from .representation import comment_dict, event_dict, ticket_dict

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
        request=requests.TicketCreate,
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
        request=requests.CommentCreate,
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
            expected_version=expected_version(data),
        )
        return Response(comment_dict(comment), status=201)


class TicketEvents(StaffView):
    @extend_schema(summary="The ticket's timeline (append-only events)",
                   parameters=[OpenApiParameter("after", {"type": "integer", "minimum": 0, "maximum": inputs.MAX_INT},
                                                description="only events with a larger id (0: all)")],
                   responses={200: schemas.EventList})
    def get(self, request, number):
        ticket = self.ticket(request, number)
        after = inputs.query_int(request.query_params, "after", default=0, minimum=0)
        return Response({"results": [event_dict(e) for e in selectors.ticket_events(ticket, after_id=after)]})


class CallerLookup(StaffView):
    permission_classes = [IsDesk]

    @extend_schema(summary="Find a caller's tickets by mobile, ticket number or registration reference (logged)",
                   parameters=[OpenApiParameter(
                       "q", str, required=True, pattern=requests.CALLER_QUERY,
                       description="a mobile (10 digits, optionally +91, 91 or 0 before them), a ticket number "
                                   "(8 characters, or 4-4 with a dash) or a registration reference (14 digits)")],
                   responses={200: schemas.CallerLookupOut, 400: GENERIC})
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
