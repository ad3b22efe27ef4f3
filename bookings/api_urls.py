from django.urls import path

from . import api, cowin

urlpatterns = [
    # CoWIN's public read API, in CoWIN's shape (anonymous, cached).
    path("v2/admin/location/states", cowin.states, name="cowin-states"),
    path("v2/admin/location/districts/<str:state_id>", cowin.districts, name="cowin-districts"),
    path("v2/appointment/sessions/public/findByPin", cowin.find_by_pin, name="cowin-find-by-pin"),
    path("v2/appointment/sessions/public/findByDistrict", cowin.find_by_district, name="cowin-find-by-district"),
    path("v2/appointment/sessions/public/calendarByPin", cowin.calendar_by_pin, name="cowin-calendar-by-pin"),
    path("v2/appointment/sessions/public/calendarByDistrict", cowin.calendar_by_district,
         name="cowin-calendar-by-district"),
    # Citizens: OTP login, then a bearer token.
    path("bookings/citizen/otp/", api.OtpRequestView.as_view(), name="bookings-otp"),
    path("bookings/citizen/otp/confirm/", api.OtpConfirmView.as_view(), name="bookings-otp-confirm"),
    path("bookings/citizen/beneficiaries/", api.citizen_beneficiaries, name="bookings-citizen-beneficiaries"),
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
    path("bookings/sessions/<str:session_id>/move/", api.SessionMoveView.as_view(), name="bookings-session-move"),
    path("bookings/registrations/", api.ManualRegistrationView.as_view(), name="bookings-registrations"),
    # The portal: change feed and imports.
    path("bookings/changes/", api.ChangesView.as_view(), name="bookings-changes"),
    path("bookings/imports/", api.ImportView.as_view(), name="bookings-imports"),
    path("bookings/imports/<int:run_id>/", api.ImportDetailView.as_view(), name="bookings-import"),
]
