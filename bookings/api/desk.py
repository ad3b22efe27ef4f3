"""Desk agents and district officials: logged lookups of a registration or an appointment,
rebooking and cancelling on a caller's behalf, attaching a registration to a ticket."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsDesk, IsDeskOrDistrict
from helpdesk import inputs, validation
from helpdesk.api import idempotent

from .. import rules, selectors, services
from . import requests, schemas
from .common import IDEMPOTENCY, TAG_DESK, appointment_out, body, json_int, parse_uuid, reason


class LookupView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=requests.RegistrationLookup, responses={200: schemas.BookingBeneficiaries},
                   summary="Look up a registration by reference id or mobile (reason required, logged)",
                   examples=[OpenApiExample("request", request_only=True, value={
                       "reference_id": "12345678901234", "reason": "caller_request", "ticket_id": 42})])
    def post(self, request):
        data = body(request, requests.RegistrationLookup)
        reference_id = data.get("reference_id")
        mobile = data.get("mobile")
        found = services.registration_lookup(
            actor=request.user, reason=inputs.text(data.get("reason"), "reason", max_len=20),
            reference_id=validation.reference_id(reference_id) if reference_id is not None else None,
            mobile=validation.mobile(mobile) if mobile is not None else None,
            note=inputs.text(data.get("note"), "note", max_len=300).strip(),
            ticket_id=json_int(data, "ticket_id", required=False))
        if not found:
            raise rules.not_found()
        rows = selectors.beneficiaries_with_appointments(found)
        return Response({"beneficiaries": [selectors.beneficiary_dict(b, masked=False) for b in rows]})


class AppointmentDetailView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, summary="An appointment with its history (reason required, logged)",
                   parameters=[requests.APPOINTMENT_REASON], responses={200: schemas.AppointmentDetail})
    def get(self, request, appointment_id: str):
        value = parse_uuid(appointment_id, "appointment_id")
        why = inputs.one(request.query_params, "reason")
        appointment = selectors.appointment_for_staff(appointment_id=value, user=request.user)
        services.appointment_view_log(actor=request.user, reason=why, appointment_id=value,
                                      found=appointment is not None)
        if appointment is None:
            raise rules.not_found()
        out = selectors.appointment_dict(appointment)
        out["beneficiary"] = {"reference_id": appointment.beneficiary.reference_id, "name": appointment.beneficiary.name,
                              "mobile": appointment.beneficiary.masked_mobile}
        out["history"] = selectors.appointment_history(appointment)
        return Response(out)


class StaffRebookView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=requests.StaffRebook, responses={200: schemas.BookingAppointment},
                   summary="Rebook on a caller's behalf (reason required; may exceed the citizen limit)",
                   parameters=[IDEMPOTENCY],
                   examples=[OpenApiExample("request", request_only=True, value={
                       "session_id": "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4", "slot": "09:00AM-11:00AM", "expected_version": 3,
                       "reason": "Caller's centre closed"})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = body(request, requests.StaffRebook)
        appointment = services.appointment_rebook(
            appointment_id=parse_uuid(appointment_id, "appointment_id"),
            session_id=parse_uuid(data.get("session_id"), "session_id"), slot=validation.slot(data.get("slot")),
            expected_version=json_int(data, "expected_version"), reason=reason(data),
            actor=services.BookingActor.staff(request.user))
        return Response(appointment_out(appointment))


class StaffCancelView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=requests.StaffCancel, responses={200: schemas.BookingAppointment},
                   summary="Cancel on a caller's behalf (reason required)", parameters=[IDEMPOTENCY],
                   examples=[OpenApiExample("request", request_only=True, value={"expected_version": 3, "reason": "Caller asked"})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = body(request, requests.StaffCancel)
        appointment = services.appointment_cancel(
            appointment_id=parse_uuid(appointment_id, "appointment_id"),
            expected_version=json_int(data, "expected_version"), reason=reason(data),
            actor=services.BookingActor.staff(request.user))
        return Response(appointment_out(appointment))


class AttachView(APIView):
    permission_classes = [IsDesk]

    @extend_schema(tags=TAG_DESK, request=requests.RegistrationAttach, responses={200: schemas.Attached},
                   summary="Attach a registration to the caller's ticket", parameters=[IDEMPOTENCY],
                   examples=[OpenApiExample("request", request_only=True, value={"ticket_id": 42, "reference_id": "12345678901234"})])
    @idempotent
    def post(self, request):
        data = body(request, requests.RegistrationAttach)
        ticket_id = json_int(data, "ticket_id")
        reference_id = validation.reference_id(data.get("reference_id"))
        services.booking_attach_to_ticket(ticket_id=ticket_id, reference_id=reference_id, actor=request.user)
        return Response({"ticket_id": ticket_id, "reference_id": reference_id})
