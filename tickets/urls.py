from django.urls import path

from . import citizen_views, list_views, page_views, views

app_name = "tickets"
urlpatterns = [
    path("complaint/", views.complaint, name="complaint"),
    path("complaint/done/<str:token>/", views.complaint_done, name="complaint-done"),
    path("status/ticket/", views.status_lookup, name="status"),
    path("t/<str:number>/rate/<str:token>/", citizen_views.rate_link, name="rate"),
    path("t/<str:number>/<str:secret>/", views.public_ticket, name="public"),
    path("t/<str:number>/<str:secret>/rate/", citizen_views.public_rate, name="public-rate"),
    path("console/", views.console, name="console"),
    path("console/queue/", views.queue_fragment, name="queue"),
    path("tickets/", list_views.ticket_list, name="list"),
    path("tickets/bulk/", list_views.ticket_bulk, name="bulk"),
    path("tickets/export.csv", list_views.ticket_export, name="export"),
    path("tickets/views/", list_views.team_view_save, name="team-view-save"),
    path("tickets/views/<int:view_id>/remove/", list_views.team_view_remove, name="team-view-remove"),
    path("tickets/new/", views.file_issue, name="file"),
    path("tickets/<str:number>/", views.ticket_detail, name="detail"),
    path("tickets/<str:number>/thread/", views.thread_fragment, name="thread"),
    path("tickets/<str:number>/act/", views.ticket_act, name="act"),
    path("tickets/<str:number>/update/", page_views.ticket_update, name="update"),
    path("tickets/<str:number>/tags/", page_views.ticket_tag, name="tag"),
    path("tickets/<str:number>/files/<int:attachment_id>/", page_views.attachment_staff, name="attachment"),
    path("t/<str:number>/<str:secret>/files/<int:attachment_id>/", page_views.attachment_citizen, name="public-attachment"),
]
