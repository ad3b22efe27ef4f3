from django.urls import path

from . import views

app_name = "desk"
urlpatterns = [
    path("api/cti/", views.cti_webhook, name="cti"),
    path("desk/calls/", views.call_log, name="calls"),
    path("desk/calls/callbacks/", views.callbacks_fragment, name="callbacks"),
    path("desk/calls/<int:call_id>/pop/", views.call_pop, name="pop"),
    path("desk/calls/<int:call_id>/called-back/", views.callback_clear, name="clear"),
    path("desk/notifications/", views.notification_list, name="notifications"),
    path("desk/notifications/latest/", views.notification_latest, name="latest"),
]
