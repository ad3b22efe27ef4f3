"""A registration taken by hand (at the helpdesk or at a centre, while the portal is down), with
an optional appointment."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import District
from accounts.permissions import IsDeskOrDistrict
from helpdesk import inputs, validation
from helpdesk.api import idempotent
from helpdesk.exceptions import InvalidInput

from .. import services
from ..models import Vaccine
from . import requests, schemas
from .common import (
    IDEMPOTENCY,
    TAG_DESK,
    appointment_out,
    body,
    district_by_cowin_id,
    json_int,
    parse_uuid,
)

_ABSENT = (None, "")


class ManualRegistrationView(APIView):
    permission_classes = [IsDeskOrDistrict]

    @extend_schema(tags=TAG_DESK, request=requests.ManualRegistration, responses={201: schemas.Registered},
                   summary="Record a registration taken by hand (channel helpdesk or onsite)",
                   parameters=[IDEMPOTENCY],
                   examples=[OpenApiExample("request", request_only=True, value={
                       "name": "Ramesh Kumar", "birth_year": 1980, "gender": "M", "mobile": "9876500000",
                       "district_id": 109, "channel": "onsite", "session_id": "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4",
                       "slot": "09:00AM-11:00AM", "dose": 1}),
                             OpenApiExample("dose 2, a district created in 2022", request_only=True, value={
                       "name": "Sita Bai", "birth_year": 1970, "gender": "F", "district_code": "sakti",
                       "channel": "helpdesk", "dose1_vaccine": "COVAXIN", "dose1_date": "01-10-2026"})])
    @idempotent
    def post(self, request):
        data = body(request, requests.ManualRegistration)
        mobile = data.get("mobile")
        session_id = data.get("session_id")
        dose1_date = data.get("dose1_date")
        dose1_vaccine = inputs.text(data.get("dose1_vaccine"), "dose1_vaccine", max_len=12).upper()
        if dose1_vaccine not in ("", *Vaccine.values) or bool(dose1_vaccine) != (dose1_date not in _ABSENT):
            raise InvalidInput("Give both dose1_vaccine (COVISHIELD or COVAXIN) and dose1_date, or neither.",
                               code="invalid_dose1", field="dose1_vaccine")
        if "district_code" in data:
            code = inputs.text(data.get("district_code"), "district_code", max_len=64, strip=True)
            district = District.objects.filter(code=code).first()
            if district is None:
                raise InvalidInput("No such district.", code="invalid_district_code", field="district_code")
        else:
            district = district_by_cowin_id(data.get("district_id"), allow_text=False)
        beneficiary, appointment = services.beneficiary_register_manual(
            actor=services.BookingActor.staff(request.user),
            name=inputs.text(data.get("name"), "name", max_len=200, required=True),
            birth_year=json_int(data, "birth_year", maximum=2100),
            gender=inputs.text(data.get("gender"), "gender", max_len=1, required=True),
            district=district, dose1_vaccine=dose1_vaccine,
            dose1_date=validation.cowin_date(dose1_date) if dose1_date not in _ABSENT else None,
            channel=inputs.text(data.get("channel"), "channel", max_len=10, required=True),
            mobile=validation.mobile(mobile) if mobile not in _ABSENT else None,
            session_id=parse_uuid(session_id, "session_id") if session_id not in _ABSENT else None,
            slot=validation.slot(data.get("slot")) if session_id not in _ABSENT else "",
            dose=json_int(data, "dose", maximum=2, default=1))
        out = {"reference_id": beneficiary.reference_id, "channel": beneficiary.channel}
        if appointment is not None:
            out["appointment"] = appointment_out(appointment)
        return Response(out, status=201)
