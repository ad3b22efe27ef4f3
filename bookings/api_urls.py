from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from . import api, cowin
from .plain import documented

COWIN = ["CoWIN public API (v2)"]
_DATE = OpenApiParameter("date", str, required=True, description="dd-mm-yyyy (IST), yesterday .. 30 days ahead")
_DISTRICT = OpenApiParameter("district_id", int, required=True, description="CoWIN district id (109-136)")
_PIN = OpenApiParameter("pincode", str, required=True, description="six digits starting 49")
_CENTER = OpenApiParameter("center_id", int, required=True, description="CoWIN centre id")
_VACCINE = OpenApiParameter("vaccine", str, required=False, enum=list(cowin.VACCINES),
                            description="only sessions of this vaccine")
_LAT = OpenApiParameter("lat", float, required=True, description="latitude, decimal degrees")
_LONG = OpenApiParameter("long", float, required=True, description="longitude, decimal degrees")
_ERRORS = {400: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT}
_ERROR_EXAMPLE = OpenApiExample("error", response_only=True, status_codes=["400"],
                                value={"errorCode": "APPOIN0014", "error": "Invalid district_id"})
_CALENDAR_EXAMPLE = OpenApiExample("calendar", response_only=True, value={"centers": [{
    "center_id": 603445, "name": "CHC Tilda", "address": "Tilda", "state_name": "Chhattisgarh",
    "district_name": "Raipur", "block_name": "Tilda", "pincode": 493114, "lat": 21.0, "long": 81.0,
    "from": "09:00:00", "to": "17:00:00", "fee_type": "Free", "sessions": [{
        "session_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "date": "27-11-2026", "available_capacity": 15,
        "available_capacity_dose1": 10, "available_capacity_dose2": 5, "min_age_limit": 18,
        "vaccine": "COVISHIELD", "slots": ["09:00AM-11:00AM", "11:00AM-01:00PM"]}]}]})


def _cowin(view, summary, parameters, example=None):
    return documented(view, tags=COWIN, summary=summary, parameters=parameters,
                      responses={200: OpenApiTypes.OBJECT, **_ERRORS},
                      examples=[e for e in (example, _ERROR_EXAMPLE) if e])


urlpatterns = [
    # CoWIN's public read API, in CoWIN's shape (anonymous, cached, plain views).
    path("v2/admin/location/states", _cowin(cowin.states, "States (Chhattisgarh, state_id 7)", []), name="cowin-states"),
    path("v2/admin/location/districts/<str:state_id>", _cowin(cowin.districts, "Districts of a state (CoWIN ids)", []),
         name="cowin-districts"),
    path("v2/appointment/sessions/public/findByPin",
         _cowin(cowin.find_by_pin, "Sessions at a PIN on a date", [_PIN, _DATE, _VACCINE]), name="cowin-find-by-pin"),
    path("v2/appointment/sessions/public/findByDistrict",
         _cowin(cowin.find_by_district, "Sessions in a district on a date", [_DISTRICT, _DATE, _VACCINE]),
         name="cowin-find-by-district"),
    path("v2/appointment/sessions/public/calendarByPin",
         _cowin(cowin.calendar_by_pin, "Centres at a PIN with 7 days of sessions", [_PIN, _DATE, _VACCINE],
                _CALENDAR_EXAMPLE),
         name="cowin-calendar-by-pin"),
    path("v2/appointment/sessions/public/calendarByDistrict",
         _cowin(cowin.calendar_by_district, "Centres in a district with 7 days of sessions",
                [_DISTRICT, _DATE, _VACCINE], _CALENDAR_EXAMPLE), name="cowin-calendar-by-district"),
    path("v2/appointment/sessions/public/calendarByCenter",
         _cowin(cowin.calendar_by_center, "One centre with 7 days of sessions", [_CENTER, _DATE, _VACCINE]),
         name="cowin-calendar-by-center"),
    path("v2/appointment/centers/public/findByLatLong",
         _cowin(cowin.find_by_lat_long, "The 20 centres nearest a point", [_LAT, _LONG]),
         name="cowin-find-by-lat-long"),
    # Citizens: OTP login, then a bearer token.
    path("bookings/citizen/otp/", api.OtpRequestView.as_view(), name="bookings-otp"),
    path("bookings/citizen/otp/confirm/", api.OtpConfirmView.as_view(), name="bookings-otp-confirm"),
    path("bookings/citizen/beneficiaries/", documented(
        api.citizen_beneficiaries, tags=["bookings: citizen"], summary="The citizen's beneficiaries and appointments (masked)",
        parameters=[OpenApiParameter("Authorization", str, OpenApiParameter.HEADER, required=True,
                                     description="Bearer <token from otp/confirm>")],
        responses={200: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT}), name="bookings-citizen-beneficiaries"),
    path("bookings/citizen/sessions/", api.CitizenSessionsView.as_view(), name="bookings-citizen-sessions"),
    path("bookings/citizen/appointments/<str:appointment_id>/rebook/", api.CitizenRebookView.as_view(),
         name="bookings-citizen-rebook"),
    path("bookings/citizen/appointments/<str:appointment_id>/cancel/", api.CitizenCancelView.as_view(),
         name="bookings-citizen-cancel"),
    # Desk agents and district officials.
    path("bookings/lookup/", api.LookupView.as_view(), name="bookings-lookup"),
    path("bookings/appointments/<str:appointment_id>/", api.AppointmentDetailView.as_view(), name="bookings-appointment"),
    path("bookings/appointments/<str:appointment_id>/rebook/", api.StaffRebookView.as_view(), name="bookings-rebook"),
    path("bookings/appointments/<str:appointment_id>/cancel/", api.StaffCancelView.as_view(), name="bookings-cancel"),
    path("bookings/attach/", api.AttachView.as_view(), name="bookings-attach"),
    path("bookings/sessions/", api.SessionListView.as_view(), name="bookings-sessions"),
    path("bookings/sessions/<str:session_id>/appointments/", api.SessionRosterView.as_view(),
         name="bookings-session-roster"),
    path("bookings/sessions/<str:session_id>/move/", api.SessionMoveView.as_view(), name="bookings-session-move"),
    path("bookings/registrations/", api.ManualRegistrationView.as_view(), name="bookings-registrations"),
    # The portal: change feed and imports.
    path("bookings/changes/", api.ChangesView.as_view(), name="bookings-changes"),
    path("bookings/imports/", api.ImportView.as_view(), name="bookings-imports"),
    path("bookings/imports/<int:run_id>/", api.ImportDetailView.as_view(), name="bookings-import"),
]
