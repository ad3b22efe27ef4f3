from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from . import cowin
from .api import citizen, cowin_shapes, desk, portal, registrations, schemas, sessions
from .plain import documented

COWIN = ["CoWIN public API (v2)"]
_DATE = OpenApiParameter("date", str, required=True, description="dd-mm-yyyy (IST), yesterday .. 30 days ahead")
_DISTRICT = OpenApiParameter("district_id", int, required=True, description="CoWIN district id (109-136)")
_PIN = OpenApiParameter("pincode", str, required=True, description="six digits starting 49")
_CENTER = OpenApiParameter("center_id", int, required=True, description="CoWIN centre id")
_VACCINE = OpenApiParameter("vaccine", str, required=False, enum=list(cowin.VACCINES),
                            description="only sessions of this vaccine")
# Decimal degrees as cowin.py reads them: up to 3 integer digits and 10 decimals, no exponent, within
# the bound (latitude 90, longitude 180).
_FRACTION = r"(?:\.[0-9]{1,10})?"
_LAT = OpenApiParameter("lat", str, required=True, description="latitude, decimal degrees (-90 to 90)",
                        pattern=rf"^-?(?:0?[0-8]?[0-9]{_FRACTION}|0?90(?:\.0{{1,10}})?)$")
_LONG = OpenApiParameter("long", str, required=True, description="longitude, decimal degrees (-180 to 180)",
                         pattern=rf"^-?(?:(?:[0-9]{{1,2}}|0[0-9]{{2}}|1[0-7][0-9]){_FRACTION}|180(?:\.0{{1,10}})?)$")
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


def _cowin(view, summary, parameters, shape, example=None):
    return documented(view, tags=COWIN, summary=summary, parameters=parameters,
                      responses={200: shape, **_ERRORS},
                      examples=[e for e in (example, _ERROR_EXAMPLE) if e])


urlpatterns = [
    # CoWIN's public read API, in CoWIN's shape (anonymous, cached, plain views).
    path("v2/admin/location/states", _cowin(cowin.states, "States (Chhattisgarh, state_id 7)", [], cowin_shapes.CowinStates), name="cowin-states"),
    path("v2/admin/location/districts/<str:state_id>", _cowin(cowin.districts, "Districts of a state (CoWIN ids)", [],
                                                                       cowin_shapes.CowinDistricts),
         name="cowin-districts"),
    path("v2/appointment/sessions/public/findByPin",
         _cowin(cowin.find_by_pin, "Sessions at a PIN on a date", [_PIN, _DATE, _VACCINE], cowin_shapes.CowinFound),
         name="cowin-find-by-pin"),
    path("v2/appointment/sessions/public/findByDistrict",
         _cowin(cowin.find_by_district, "Sessions in a district on a date", [_DISTRICT, _DATE, _VACCINE],
                cowin_shapes.CowinFound), name="cowin-find-by-district"),
    path("v2/appointment/sessions/public/calendarByPin",
         _cowin(cowin.calendar_by_pin, "Centres at a PIN with 7 days of sessions", [_PIN, _DATE, _VACCINE],
                cowin_shapes.CowinCalendar, _CALENDAR_EXAMPLE),
         name="cowin-calendar-by-pin"),
    path("v2/appointment/sessions/public/calendarByDistrict",
         _cowin(cowin.calendar_by_district, "Centres in a district with 7 days of sessions",
                [_DISTRICT, _DATE, _VACCINE], cowin_shapes.CowinCalendar, _CALENDAR_EXAMPLE), name="cowin-calendar-by-district"),
    path("v2/appointment/sessions/public/calendarByCenter",
         _cowin(cowin.calendar_by_center, "One centre with 7 days of sessions", [_CENTER, _DATE, _VACCINE],
                cowin_shapes.CowinCentreCalendar),
         name="cowin-calendar-by-center"),
    path("v2/appointment/centers/public/findByLatLong",
         _cowin(cowin.find_by_lat_long, "The 20 centres nearest a point", [_LAT, _LONG], cowin_shapes.CowinNear),
         name="cowin-find-by-lat-long"),
    # Citizens: OTP login, then a bearer token.
    path("bookings/citizen/otp/", citizen.OtpRequestView.as_view(), name="bookings-otp"),
    path("bookings/citizen/otp/confirm/", citizen.OtpConfirmView.as_view(), name="bookings-otp-confirm"),
    path("bookings/citizen/beneficiaries/", documented(
        citizen.citizen_beneficiaries, tags=["bookings: citizen"], summary="The citizen's beneficiaries and appointments (masked)",
        parameters=[OpenApiParameter("Authorization", str, OpenApiParameter.HEADER, required=True,
                                     description="Bearer <token from otp/confirm>")],
        responses={200: schemas.BookingBeneficiaries, 401: OpenApiTypes.OBJECT}), name="bookings-citizen-beneficiaries"),
    path("bookings/citizen/sessions/", citizen.CitizenSessionsView.as_view(), name="bookings-citizen-sessions"),
    path("bookings/citizen/appointments/<str:appointment_id>/rebook/", citizen.CitizenRebookView.as_view(),
         name="bookings-citizen-rebook"),
    path("bookings/citizen/appointments/<str:appointment_id>/cancel/", citizen.CitizenCancelView.as_view(),
         name="bookings-citizen-cancel"),
    # Desk agents and district officials.
    path("bookings/lookup/", desk.LookupView.as_view(), name="bookings-lookup"),
    path("bookings/appointments/<str:appointment_id>/", desk.AppointmentDetailView.as_view(), name="bookings-appointment"),
    path("bookings/appointments/<str:appointment_id>/rebook/", desk.StaffRebookView.as_view(), name="bookings-rebook"),
    path("bookings/appointments/<str:appointment_id>/cancel/", desk.StaffCancelView.as_view(), name="bookings-cancel"),
    path("bookings/attach/", desk.AttachView.as_view(), name="bookings-attach"),
    path("bookings/sessions/", sessions.SessionListView.as_view(), name="bookings-sessions"),
    path("bookings/sessions/<str:session_id>/appointments/", sessions.SessionRosterView.as_view(),
         name="bookings-session-roster"),
    path("bookings/sessions/<str:session_id>/move/", sessions.SessionMoveView.as_view(), name="bookings-session-move"),
    path("bookings/registrations/", registrations.ManualRegistrationView.as_view(), name="bookings-registrations"),
    # The portal: change feed and imports.
    path("bookings/changes/", portal.ChangesView.as_view(), name="bookings-changes"),
    path("bookings/imports/", portal.ImportView.as_view(), name="bookings-imports"),
    path("bookings/imports/<int:run_id>/", portal.ImportDetailView.as_view(), name="bookings-import"),
]
