from django.urls import path

from . import citizen_views, views

app_name = "bookings"
urlpatterns = [
    # Citizens
    path("booking/", citizen_views.citizen_start, name="start"),
    path("booking/otp/", citizen_views.citizen_otp, name="otp"),
    path("booking/mine/", citizen_views.citizen_mine, name="mine"),
    path("booking/appointment/<str:appointment_id>/rebook/", citizen_views.citizen_rebook, name="rebook"),
    path("booking/appointment/<str:appointment_id>/cancel/", citizen_views.citizen_cancel, name="cancel"),
    path("booking/person/<str:reference_id>/book/", citizen_views.citizen_book, name="book"),
    path("booking/done/<str:token>/", citizen_views.citizen_done, name="done"),
    path("booking/logout/", citizen_views.citizen_logout, name="logout"),
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
