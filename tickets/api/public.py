"""The citizens' API (no account): a complaint, the status by number and mobile, and the
ticket's thread through the secret link sent by SMS."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from helpdesk import inputs
from helpdesk.api import idempotent
from helpdesk.exceptions import NotFound
from tickets import intake, selectors, services
from tickets.models import Channel, RequesterKind
from tickets.services import Actor

from . import requests, schemas
from .base import GENERIC, IDEMPOTENCY, PublicView
from .representation import public_ticket_dict


class PublicTicketCreate(PublicView):
    @extend_schema(
        summary="A citizen's complaint (no account). The status link is sent by SMS, never returned.",
        parameters=[IDEMPOTENCY], auth=[],
        request=requests.CitizenComplaint,
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
        auth=[], request=requests.StatusLookup,
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
                   request=requests.CitizenReply,
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
