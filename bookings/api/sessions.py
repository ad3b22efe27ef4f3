"""Sessions for desk agents and district officials (theirs only): the list, a session's bookings
(logged as a lookup), moving a whole session to another date."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsDeskOrDistrict
from helpdesk import inputs, validation
from helpdesk.api import Pagination, idempotent
from helpdesk.exceptions import InvalidInput

from .. import selectors, services
from ..filters import SessionFilter
from . import requests, schemas
from .common import IDEMPOTENCY, TAG_DESK, body, json_int, parse_uuid, reason


class SessionListView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, summary="Sessions (district officials: their district only), paginated",
                   parameters=[requests.SessionListQuery], responses={200: schemas.StaffSessionPage})
    def get(self, request):
        if inputs.one(request.query_params, "center_id", required=False) == "":
            raise InvalidInput("center_id must be a whole number.", code="invalid_center_id", field="center_id")
        filterset = SessionFilter(request.query_params, queryset=selectors.sessions_for_staff(request.user))
        if not filterset.is_valid():
            raise InvalidInput("Invalid filter.", code="invalid_filter", errors=filterset.errors)
        paginator = Pagination()
        page = paginator.paginate_queryset(filterset.qs, request, view=self)
        rows = []
        for session in page:
            row = selectors.session_dict(session)
            row["booked_dose1"], row["booked_dose2"] = session.booked_dose1, session.booked_dose2
            rows.append(row)
        return paginator.get_paginated_response(rows)


class SessionRosterView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, summary="The bookings of a session (masked; logged as a lookup)",
                   parameters=[OpenApiParameter("page", int)], responses={200: schemas.RosterPage})
    def get(self, request, session_id: str):
        session, appointments = services.session_roster(actor=request.user,
                                                        session_id=parse_uuid(session_id, "session_id"))
        paginator = Pagination()
        page = paginator.paginate_queryset(appointments, request, view=self)
        return paginator.get_paginated_response([{
            "appointment_id": str(a.appointment_id), "reference_id": a.beneficiary.reference_id,
            "name": a.beneficiary.masked_name, "mobile": a.beneficiary.masked_mobile, "dose": a.dose,
            "slot": a.slot, "status": a.status, "confirmation_number": a.confirmation_number,
            "channel": a.channel} for a in page])


class SessionMoveView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=requests.SessionMove, responses={200: schemas.BookingSession},
                   summary="Move a whole session to another date; its citizens are told by SMS",
                   parameters=[IDEMPOTENCY],
                   examples=[OpenApiExample("request", request_only=True, value={
                       "date": "28-11-2026", "reason": "Vaccine delivery delayed", "expected_version": 1})])
    @idempotent
    def post(self, request, session_id: str):
        data = body(request, requests.SessionMove)
        session = services.session_move(
            session_id=parse_uuid(session_id, "session_id"), new_date=validation.cowin_date(data.get("date")),
            reason=reason(data), expected_version=json_int(data, "expected_version"),
            actor=services.BookingActor.staff(request.user))
        session = selectors.sessions_for_staff(request.user).get(pk=session.pk)
        return Response(selectors.session_dict(session))
