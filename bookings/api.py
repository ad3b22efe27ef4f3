"""The bookings API: citizens (OTP -> bearer token), desk agents, district officials, supervisors
(imports) and the portal (change feed). Thin views: parse strictly, call a service or selector,
return a dict. The citizens' lookup is a plain Django view (hot path, no DRF)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import District
from accounts.permissions import IsDesk, IsDeskOrDistrict, IsSupervisor
from helpdesk import inputs, validation
from helpdesk.api import Pagination, idempotent
from helpdesk.exceptions import InvalidInput

from . import otp, ratelimit, rules, schema, selectors, services  # noqa: F401  (schema: OpenAPI auth)
from .auth import CitizenTokenAuthentication, bearer
from .filters import SessionFilter
from .imports import import_start
from .models import ImportRun, Vaccine

TAG_CITIZEN = ["bookings: citizen"]
TAG_DESK = ["bookings: desk"]


class IsCitizen(BasePermission):
    message = "Log in with an OTP first."

    def has_permission(self, request, view) -> bool:
        return request.auth is not None


def _parse_uuid(raw, field: str):
    return validation.uuid_value(raw, field)


# --- citizen ----------------------------------------------------------------------------------
class OtpRequestView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG_CITIZEN, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Send an OTP to a registered mobile",
                   description="Always answers the same shape: it never reveals whether the mobile is registered. "
                               "429 with Retry-After past the per-IP, per-mobile or resend limits.",
                   examples=[OpenApiExample("request", value={"mobile": "9876543210"}, request_only=True),
                             OpenApiExample("response", value={"txnId": "3f0e2b1c-5d4a-4e8f-9a7b-1c2d3e4f5a6b", "expires_in": 180}, response_only=True)],
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                                description="a retry with the same key replays the txnId (no second SMS)")])
    @idempotent
    def post(self, request):
        data = inputs.body(request.data)
        mobile = validation.mobile(data.get("mobile"))
        txn = otp.otp_request(mobile=mobile, ip=ratelimit.client_ip(request))
        return Response({"txnId": str(txn.txn_id), "expires_in": int(otp.OTP_VALID.total_seconds())})


class OtpConfirmView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG_CITIZEN, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Confirm the OTP; returns a bearer token valid 15 minutes",
                   examples=[OpenApiExample("request", value={"txnId": "3f0e2b1c-5d4a-4e8f-9a7b-1c2d3e4f5a6b", "otp": "123456"}, request_only=True),
                             OpenApiExample("response", value={"token": "…", "expires_in": 900}, response_only=True)])
    def post(self, request):
        data = inputs.body(request.data)
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
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        district_id = inputs.one(request.query_params, "district_id", required=False)
        pincode = inputs.one(request.query_params, "pincode", required=False)
        if bool(district_id) == bool(pincode):
            raise InvalidInput("Give a district_id or a pincode.", code="invalid_query")
        if district_id:
            district = _district_by_cowin_id(district_id)
            sessions = selectors.sessions_open(district=district)
        else:
            sessions = selectors.sessions_open(pincode=validation.pincode(pincode))
        return Response({"sessions": [selectors.session_dict(s) for s in sessions[:500]]})


def _district_by_cowin_id(raw) -> District:
    value = inputs.integer(raw, "district_id", maximum=9999, allow_text=True)
    district = District.objects.filter(cowin_id=value).first()
    if district is None:
        raise InvalidInput("No such district.", code="invalid_district_id", field="district_id")
    return district


class CitizenRebookView(APIView):
    authentication_classes = [CitizenTokenAuthentication]
    permission_classes = [IsCitizen]

    @extend_schema(tags=TAG_CITIZEN, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Rebook an appointment to another session and slot",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   description="Errors: not_booked, cutoff_passed, reschedule_limit, outside_window, "
                               "session_not_published, invalid_slot, same_session_and_slot, not_eligible_age, "
                               "dose2_vaccine_mismatch, dose2_too_early, APPOIN0040 (full: the old booking stays), "
                               "stale_version, not_found.",
                   examples=[OpenApiExample("request", request_only=True, value={
                       "session_id": "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4", "slot": "09:00AM-11:00AM", "expected_version": 1})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = inputs.body(request.data)
        appointment = services.appointment_rebook(
            appointment_id=_parse_uuid(appointment_id, "appointment_id"),
            session_id=_parse_uuid(data.get("session_id"), "session_id"), slot=validation.slot(data.get("slot")),
            expected_version=inputs.integer(data.get("expected_version"), "expected_version", allow_text=True),
            actor=services.BookingActor.citizen(request.auth.mobile))
        return Response(_appointment_out(appointment))


class CitizenCancelView(APIView):
    authentication_classes = [CitizenTokenAuthentication]
    permission_classes = [IsCitizen]

    @extend_schema(tags=TAG_CITIZEN, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Cancel an appointment",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   examples=[OpenApiExample("request", request_only=True, value={"expected_version": 2})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = inputs.body(request.data)
        appointment = services.appointment_cancel(
            appointment_id=_parse_uuid(appointment_id, "appointment_id"),
            expected_version=inputs.integer(data.get("expected_version"), "expected_version", allow_text=True),
            actor=services.BookingActor.citizen(request.auth.mobile))
        return Response(_appointment_out(appointment))


def _appointment_out(appointment) -> dict:
    appointment = selectors.appointment_for_staff_unscoped(appointment.appointment_id)
    return selectors.appointment_dict(appointment)


# --- desk and district --------------------------------------------------------------------------
class LookupView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Look up a registration by reference id or mobile (reason required, logged)",
                   examples=[OpenApiExample("request", request_only=True, value={
                       "reference_id": "12345678901234", "reason": "caller_request", "ticket_id": 42})])
    def post(self, request):
        data = inputs.body(request.data)
        reference_id = data.get("reference_id")
        mobile = data.get("mobile")
        found = services.registration_lookup(
            actor=request.user, reason=inputs.text(data.get("reason"), "reason", max_len=20, strip=True),
            reference_id=validation.reference_id(reference_id) if reference_id is not None else None,
            mobile=validation.mobile(mobile) if mobile is not None else None,
            note=inputs.text(data.get("note"), "note", max_len=300, strip=True),
            ticket_id=inputs.integer(data.get("ticket_id"), "ticket_id", required=False, allow_text=True))
        if not found:
            raise rules.not_found()
        rows = selectors.beneficiaries_with_appointments(found)
        return Response({"beneficiaries": [selectors.beneficiary_dict(b, masked=False) for b in rows]})


class AppointmentDetailView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, summary="An appointment with its history (reason required, logged)",
                   parameters=[OpenApiParameter("reason", str, required=True)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, appointment_id: str):
        value = _parse_uuid(appointment_id, "appointment_id")
        reason = inputs.one(request.query_params, "reason")
        appointment = selectors.appointment_for_staff(appointment_id=value, user=request.user)
        services.appointment_view_log(actor=request.user, reason=reason, appointment_id=value,
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

    @extend_schema(tags=TAG_DESK, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Rebook on a caller's behalf (reason required; may exceed the citizen limit)",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   examples=[OpenApiExample("request", request_only=True, value={
                       "session_id": "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4", "slot": "09:00AM-11:00AM", "expected_version": 3,
                       "reason": "Caller's centre closed"})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = inputs.body(request.data)
        appointment = services.appointment_rebook(
            appointment_id=_parse_uuid(appointment_id, "appointment_id"),
            session_id=_parse_uuid(data.get("session_id"), "session_id"), slot=validation.slot(data.get("slot")),
            expected_version=inputs.integer(data.get("expected_version"), "expected_version", allow_text=True),
            reason=inputs.text(data.get("reason"), "reason", max_len=300, strip=True), actor=services.BookingActor.staff(request.user))
        return Response(_appointment_out(appointment))


class StaffCancelView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Cancel on a caller's behalf (reason required)",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   examples=[OpenApiExample("request", request_only=True, value={"expected_version": 3, "reason": "Caller asked"})])
    @idempotent
    def post(self, request, appointment_id: str):
        data = inputs.body(request.data)
        appointment = services.appointment_cancel(
            appointment_id=_parse_uuid(appointment_id, "appointment_id"),
            expected_version=inputs.integer(data.get("expected_version"), "expected_version", allow_text=True),
            reason=inputs.text(data.get("reason"), "reason", max_len=300, strip=True), actor=services.BookingActor.staff(request.user))
        return Response(_appointment_out(appointment))


class AttachView(APIView):
    permission_classes = [IsDesk]

    @extend_schema(tags=TAG_DESK, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Attach a registration to the caller's ticket",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   examples=[OpenApiExample("request", request_only=True, value={"ticket_id": 42, "reference_id": "12345678901234"})])
    @idempotent
    def post(self, request):
        data = inputs.body(request.data)
        ticket_id = inputs.integer(data.get("ticket_id"), "ticket_id", allow_text=True)
        reference_id = validation.reference_id(data.get("reference_id"))
        services.booking_attach_to_ticket(ticket_id=ticket_id, reference_id=reference_id, actor=request.user)
        return Response({"ticket_id": ticket_id, "reference_id": reference_id})


class SessionListView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, summary="Sessions (district officials: their district only), paginated",
                   parameters=[OpenApiParameter("date", str, description="dd-mm-yyyy"),
                               OpenApiParameter("center_id", int), OpenApiParameter("page", int)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        filterset = SessionFilter(request.query_params, queryset=selectors.sessions_for_staff(request.user))
        if not filterset.is_valid():
            raise InvalidInput("Invalid filter.", code="invalid_filter", errors=filterset.errors)
        queryset = filterset.qs
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        rows = []
        for session in page:
            row = selectors.session_dict(session)
            row["booked_dose1"], row["booked_dose2"] = session.booked_dose1, session.booked_dose2
            rows.append(row)
        return paginator.get_paginated_response(rows)


class SessionRosterView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, summary="The bookings of a session (masked; logged as a lookup)",
                   parameters=[OpenApiParameter("page", int)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, session_id: str):
        session, appointments = services.session_roster(actor=request.user,
                                                        session_id=_parse_uuid(session_id, "session_id"))
        paginator = Pagination()
        page = paginator.paginate_queryset(appointments, request, view=self)
        return paginator.get_paginated_response([{
            "appointment_id": str(a.appointment_id), "reference_id": a.beneficiary.reference_id,
            "name": a.beneficiary.masked_name, "mobile": a.beneficiary.masked_mobile, "dose": a.dose,
            "slot": a.slot, "status": a.status, "confirmation_number": a.confirmation_number,
            "channel": a.channel} for a in page])


class SessionMoveView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT},
                   summary="Move a whole session to another date; its citizens are told by SMS",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   examples=[OpenApiExample("request", request_only=True, value={
                       "date": "28-11-2026", "reason": "Vaccine delivery delayed", "expected_version": 1})])
    @idempotent
    def post(self, request, session_id: str):
        data = inputs.body(request.data)
        session = services.session_move(
            session_id=_parse_uuid(session_id, "session_id"), new_date=validation.cowin_date(data.get("date")),
            reason=inputs.text(data.get("reason"), "reason", max_len=300, strip=True),
            expected_version=inputs.integer(data.get("expected_version"), "expected_version", allow_text=True),
            actor=services.BookingActor.staff(request.user))
        session = selectors.sessions_for_staff(request.user).get(pk=session.pk)
        return Response(selectors.session_dict(session))


class ManualRegistrationView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT},
                   summary="Record a registration taken by hand (channel helpdesk or onsite)",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
                   examples=[OpenApiExample("request", request_only=True, value={
                       "name": "Ramesh Kumar", "birth_year": 1980, "gender": "M", "mobile": "9876500000",
                       "district_id": 109, "channel": "onsite", "session_id": "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4",
                       "slot": "09:00AM-11:00AM", "dose": 1}),
                             OpenApiExample("dose 2, a district created in 2022", request_only=True, value={
                       "name": "Sita Bai", "birth_year": 1970, "gender": "F", "district_code": "sakti",
                       "channel": "helpdesk", "dose1_vaccine": "COVAXIN", "dose1_date": "01-10-2026"})])
    @idempotent
    def post(self, request):
        data = inputs.body(request.data)
        mobile = data.get("mobile")
        session_id = data.get("session_id")
        dose1_date = data.get("dose1_date")
        dose1_vaccine = inputs.text(data.get("dose1_vaccine"), "dose1_vaccine", max_len=12, strip=True).upper()
        if dose1_vaccine not in ("", *Vaccine.values) or bool(dose1_vaccine) != bool(dose1_date):
            raise InvalidInput("Give both dose1_vaccine (COVISHIELD or COVAXIN) and dose1_date, or neither.",
                               code="invalid_dose1", field="dose1_vaccine")
        if "district_code" in data:
            district = District.objects.filter(code=inputs.text(data.get("district_code"), "district_code", max_len=64, strip=True)).first()
            if district is None:
                raise InvalidInput("No such district.", code="invalid_district_code", field="district_code")
        else:
            district = _district_by_cowin_id(data.get("district_id"))
        beneficiary, appointment = services.beneficiary_register_manual(
            actor=services.BookingActor.staff(request.user),
            name=inputs.text(data.get("name"), "name", max_len=200, required=True, strip=True),
            birth_year=inputs.integer(data.get("birth_year"), "birth_year", maximum=2100, allow_text=True),
            gender=inputs.text(data.get("gender"), "gender", max_len=1, required=True, strip=True),
            district=district, dose1_vaccine=dose1_vaccine,
            dose1_date=validation.cowin_date(dose1_date) if dose1_date else None,
            channel=inputs.text(data.get("channel"), "channel", max_len=10, required=True, strip=True),
            mobile=validation.mobile(mobile) if mobile not in (None, "") else None,
            session_id=_parse_uuid(session_id, "session_id") if session_id not in (None, "") else None,
            slot=validation.slot(data.get("slot")) if session_id not in (None, "") else "",
            dose=inputs.integer(data.get("dose", 1), "dose", maximum=2, allow_text=True))
        out = {"reference_id": beneficiary.reference_id, "channel": beneficiary.channel}
        if appointment is not None:
            out["appointment"] = _appointment_out(appointment)
        return Response(out, status=201)


class ChangesView(APIView):
    permission_classes = [IsDesk]

    @extend_schema(tags=["bookings: portal"], summary="Changes made in the helpdesk since a cursor",
                   parameters=[OpenApiParameter("since", int, description="last id seen (0 for all)"),
                               OpenApiParameter("limit", int, description="1..1000, default 500")],
                   examples=[OpenApiExample("response", response_only=True, value={
                       "changes": [{"id": 1, "kind": "appointment.rescheduled", "reference_id": "12345678901234",
                                    "appointment_id": "…", "at": "2026-11-25T10:00:00+05:30", "data": {}}],
                       "next": 1, "has_more": False})],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        raw_since = inputs.one(request.query_params, "since", required=False)
        since = 0 if raw_since in (None, "0") else inputs.integer(raw_since, "since", allow_text=True)
        limit = inputs.integer(inputs.one(request.query_params, "limit", required=False) or "500", "limit", maximum=1000, allow_text=True)
        changes = selectors.changes_since(since=since, limit=limit)
        return Response({"changes": changes, "next": changes[-1]["id"] if changes else since,
                         "has_more": len(changes) == limit})


class ImportView(APIView):
    permission_classes = [IsSupervisor]
    parser_classes = [MultiPartParser]

    @extend_schema(tags=["bookings: portal"], summary="Upload a portal export (CoWIN JSON or CSV) to import",
                   request={"multipart/form-data": OpenApiTypes.OBJECT}, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        upload = request.FILES.get("file")
        kind = inputs.text(request.data.get("kind"), "kind", max_len=20, required=True, strip=True)
        if upload is None:
            raise InvalidInput("Attach a file.", code="missing_file", field="file")
        run = import_start(kind=kind, filename=upload.name, raw=upload.read(), user=request.user)
        return Response(import_run_dict(run), status=202)


class ImportDetailView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(tags=["bookings: portal"], summary="Progress and summary of an import run",
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request, run_id: int):
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is None:
            raise rules.not_found()
        return Response(import_run_dict(run))


def import_run_dict(run: ImportRun) -> dict:
    return {"id": run.pk, "kind": run.kind, "source": run.source, "format": run.fmt, "status": run.status,
            "total": run.total, "processed": run.processed, "accepted": run.accepted, "refused": run.refused,
            "refusals": run.refusals[:100], "finished_at": run.finished_at.isoformat() if run.finished_at else None}

