from django.urls import path

from . import views

app_name = "bookings"
urlpatterns = [
    # Citizens
    path("booking/", views.citizen_start, name="start"),
    path("booking/otp/", views.citizen_otp, name="otp"),
    path("booking/mine/", views.citizen_mine, name="mine"),
    path("booking/appointment/<str:appointment_id>/rebook/", views.citizen_rebook, name="rebook"),
    path("booking/appointment/<str:appointment_id>/cancel/", views.citizen_cancel, name="cancel"),
    path("booking/logout/", views.citizen_logout, name="logout"),
    # Agents
    path("booking/desk/", views.desk_lookup, name="desk"),
    path("booking/desk/appointment/<str:appointment_id>/", views.desk_appointment, name="desk-appointment"),
    # District officials (and the desk)
    path("booking/district/sessions/", views.district_sessions, name="district-sessions"),
    path("booking/district/sessions/<str:session_id>/", views.district_roster, name="district-roster"),
    path("booking/district/sessions/<str:session_id>/move/", views.district_move, name="district-move"),
    path("booking/district/register/", views.district_register, name="district-register"),
    # Supervisors
    path("booking/imports/", views.imports, name="imports"),
    path("booking/imports/<int:run_id>/", views.import_detail, name="import"),
]
