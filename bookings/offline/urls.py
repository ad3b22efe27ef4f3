from django.urls import path

from . import pages, views

app_name = "offline"
urlpatterns = [
    # Centre staff: the installable app (shell, service worker, manifest).
    path("centre/", pages.app, name="app"),
    path("centre/sw.js", pages.service_worker, name="sw"),
    path("centre/manifest.webmanifest", pages.manifest, name="manifest"),
    # District officials (and the desk).
    path("booking/district/centres/", views.centres, name="centres"),
    path("booking/district/centres/<int:centre_id>/", views.centre_detail, name="centre"),
    path("booking/district/centres/<int:centre_id>/staff/<int:user_id>/active/", views.staff_active, name="staff-active"),
    path("booking/district/offline-records/<int:record_id>/resolve/", views.record_resolve, name="resolve"),
    path("booking/district/duplicates/", views.duplicates, name="duplicates"),
]
