from django.urls import path

from .api import views, workspace

urlpatterns = [
    path("tickets/", views.TicketListCreate.as_view(), name="api-tickets"),
    path("tickets/bulk/", views.TicketBulk.as_view(), name="api-tickets-bulk"),
    path("tickets/views/", views.TeamViews.as_view(), name="api-tickets-views"),
    path("tickets/<str:number>/", views.TicketDetail.as_view(), name="api-ticket"),
    path("tickets/<str:number>/comments/", views.TicketComments.as_view(), name="api-ticket-comments"),
    path("tickets/<str:number>/events/", views.TicketEvents.as_view(), name="api-ticket-events"),
    path("tickets/<str:number>/transition/", views.TicketTransition.as_view(), name="api-ticket-transition"),
    path("tickets/<str:number>/assign/", views.TicketAssign.as_view(), name="api-ticket-assign"),
    path("tickets/<str:number>/priority/", views.TicketPriority.as_view(), name="api-ticket-priority"),
    path("tickets/<str:number>/category/", views.TicketCategory.as_view(), name="api-ticket-category"),
    path("tickets/<str:number>/merge/", views.TicketMerge.as_view(), name="api-ticket-merge"),
    path("tickets/<str:number>/incident/", views.TicketIncident.as_view(), name="api-ticket-incident"),
    path("tickets/<str:number>/contacted/", views.TicketContacted.as_view(), name="api-ticket-contacted"),
    path("tickets/<str:number>/registration/", views.TicketRegistration.as_view(), name="api-ticket-registration"),
    path("tickets/<str:number>/tags/", workspace.TicketTags.as_view(), name="api-ticket-tags"),
    path("canned-responses/", workspace.CannedList.as_view(), name="api-canned"),
    path("canned-responses/<int:pk>/", workspace.CannedDetail.as_view(), name="api-canned-detail"),
    path("callers/", views.CallerLookup.as_view(), name="api-callers"),
    path("categories/", views.CategoryList.as_view(), name="api-categories"),
    path("public/tickets/", views.PublicTicketCreate.as_view(), name="api-public-tickets"),
    path("public/tickets/status/", views.PublicStatus.as_view(), name="api-public-status"),
    path("public/tickets/<str:number>/<str:secret>/", views.PublicThread.as_view(), name="api-public-thread"),
    path("sms/inbound/", views.SmsInbound.as_view(), name="api-sms-inbound"),
]
