"""The citizens' API: OTP login (a bearer token), their beneficiaries, open sessions, rebooking
and cancelling. The beneficiaries' read is a plain Django view (hot path, no DRF)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk import inputs, validation
from helpdesk.api import idempotent
from helpdesk.exceptions import InvalidInput

from .. import otp, ratelimit, schema, selectors, services  # noqa: F401  (schema: OpenAPI auth)
from ..auth import CitizenTokenAuthentication, bearer
from . import requests, schemas
from .common import (
    IDEMPOTENCY,
    TAG_CITIZEN,
    IsCitizen,
    appointment_out,
    body,
    district_by_cowin_id,
    json_int,
    parse_uuid,
)


class OtpRequestView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG_CITIZEN, request=requests.OtpSend, responses={200: schemas.OtpSent, 429: OpenApiTypes.OBJECT},
                   summary="Send an OTP to a registered mobile",
                   description="Always answers the same shape: it never reveals whether the mobile is registered. "
                               "429 with Retry-After past the per-IP, per-mobile or resend limits.",
                   examples=[OpenApiExample("request", value={"mobile": "9876543210"}, request_only=True),
                             OpenApiExample("response", value={"txnId": "3f0e2b1c-5d4a-4e8f-9a7b-1c2d3e4f5a6b", "expires_in": 180}, response_only=True)],
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                                description="a retry with the same key replays the txnId (no second SMS)")])
    @idempotent
    def post(self, request):
        data = body(request, requests.OtpSend)
        mobile = validation.mobile(data.get("mobile"))
        txn = otp.otp_request(mobile=mobile, ip=ratelimit.client_ip(request))
        return Response({"txnId": str(txn.txn_id), "expires_in": int(otp.OTP_VALID.total_seconds())})


class OtpConfirmView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG_CITIZEN, request=requests.OtpConfirm,
                   responses={200: schemas.CitizenLogin, 429: OpenApiTypes.OBJECT},
                   summary="Confirm the OTP; returns a bearer token valid 15 minutes",
                   description="429 past the per-IP limit, or after too many wrong codes for one txnId "
                               "(otp_attempts_exceeded: ask for a new OTP).",
                   examples=[OpenApiExample("request", value={"txnId": "3f0e2b1c-5d4a-4e8f-9a7b-1c2d3e4f5a6b", "otp": "123456"}, request_only=True),
                             OpenApiExample("response", value={"token": "…", "expires_in": 900}, response_only=True)])
    def post(self, request):
        data = body(request, requests.OtpConfirm)
        txn_id = validation.uuid_value(data.get("txnId"), "txnId")
        code = validation.otp(data.get("otp"))
        ratelimit.hit("otp_confirm_ip", ratelimit.client_ip(request), "60/min", on_outage="closed")
        raw, token = otp.otp_confirm(txn_id=txn_id, code=code)
        return Response({"token": raw, "expires_in": int(otp.TOKEN_VALID.total_seconds())})


@require_GET
def citizen_beneficiaries(request):
    """GET /api/bookings/citizen/beneficiaries/ (Bearer): the citizen's beneficiaries with their
    appointments, masked. Plain view, one query (token check joined to the data)."""
    raw = bearer(request)
    data = selectors.citizen_payload_for_token(otp.token_hash(raw), timezone.now()) if raw and len(raw) <= 100 else None
    if data is None:
        response = HttpResponse(json.dumps({"code": "not_authenticated",
                                            "detail": "Log in with an OTP first."}), status=401,
                                content_type="application/json")
        response["WWW-Authenticate"] = 'Bearer realm="citizen"'
        return response
    return HttpResponse(json.dumps({"beneficiaries": data}, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/json")


class CitizenSessionsView(APIView):
    authentication_classes = [CitizenTokenAuthentication]
    permission_classes = [IsCitizen]

    @extend_schema(tags=TAG_CITIZEN, summary="Open sessions by district (CoWIN id) or PIN, tomorrow + 7 days",
                   parameters=[OpenApiParameter("district_id", int), OpenApiParameter("pincode", str)],
                   responses={200: schemas.BookingSessions})
    def get(self, request):
        district_id = inputs.one(request.query_params, "district_id", required=False)
        pincode = inputs.one(request.query_params, "pincode", required=False)
        if bool(district_id) == bool(pincode):
            raise InvalidInput("Give a district_id or a pincode.", code="invalid_query")
        if district_id:
            sessions = selectors.sessions_open(district=district_by_cowin_id(district_id))
        else:
            sessions = selectors.sessions_open(pincode=validation.pincode(pincode))
        return Response({"sessions": [selectors.session_dict(s) for s in sessions[:500]]})


class CitizenRebookView(APIView):
    authentication_classes = [CitizenTokenAuthentication]
    permission_classes = [IsCitizen]

    @extend_schema(tags=TAG_CITIZEN, request=requests.CitizenRebook, responses={200: schemas.BookingAppointment},
                   summary="Rebook an appointment to another session and slot", parameters=[IDEMPOTENCY],
                   description="Errors: not_booked, cutoff_passed, reschedule_limit, outside_window, "
                               "session_not_published, invalid_slot, same_session_and_slot, not_eligible_age, "
                               "dose2_vaccine_mismatch, dose2_too_early, APPOIN0040 (full: the old booking stays), "
                               "stale_version, not_found.",
                   examples=[OpenApiExample("request", request_only=True, value={
                       "session_id": "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4", "slot": "09:00AM-11:00AM", "expected_version": 1})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = body(request, requests.CitizenRebook)
        appointment = services.appointment_rebook(
            appointment_id=parse_uuid(appointment_id, "appointment_id"),
            session_id=parse_uuid(data.get("session_id"), "session_id"), slot=validation.slot(data.get("slot")),
            expected_version=json_int(data, "expected_version"),
            actor=services.BookingActor.citizen(request.auth.mobile))
        return Response(appointment_out(appointment))


class CitizenCancelView(APIView):
    authentication_classes = [CitizenTokenAuthentication]
    permission_classes = [IsCitizen]

    @extend_schema(tags=TAG_CITIZEN, request=requests.CitizenCancel, responses={200: schemas.BookingAppointment},
                   summary="Cancel an appointment", parameters=[IDEMPOTENCY],
                   examples=[OpenApiExample("request", request_only=True, value={"expected_version": 2})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = body(request, requests.CitizenCancel)
        appointment = services.appointment_cancel(
            appointment_id=parse_uuid(appointment_id, "appointment_id"),
            expected_version=json_int(data, "expected_version"),
            actor=services.BookingActor.citizen(request.auth.mobile))
        return Response(appointment_out(appointment))
