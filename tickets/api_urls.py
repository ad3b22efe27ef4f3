from django.urls import path

from .api import changes, inbound, lists, public, tickets, workspace

urlpatterns = [
    path("tickets/", tickets.TicketListCreate.as_view(), name="api-tickets"),
    path("tickets/bulk/", lists.TicketBulk.as_view(), name="api-tickets-bulk"),
    path("tickets/views/", lists.TeamViews.as_view(), name="api-tickets-views"),
    path("tickets/<str:number>/", tickets.TicketDetail.as_view(), name="api-ticket"),
    path("tickets/<str:number>/comments/", tickets.TicketComments.as_view(), name="api-ticket-comments"),
    path("tickets/<str:number>/events/", tickets.TicketEvents.as_view(), name="api-ticket-events"),
    path("tickets/<str:number>/transition/", changes.TicketTransition.as_view(), name="api-ticket-transition"),
    path("tickets/<str:number>/assign/", changes.TicketAssign.as_view(), name="api-ticket-assign"),
    path("tickets/<str:number>/priority/", changes.TicketPriority.as_view(), name="api-ticket-priority"),
    path("tickets/<str:number>/category/", changes.TicketCategory.as_view(), name="api-ticket-category"),
    path("tickets/<str:number>/merge/", changes.TicketMerge.as_view(), name="api-ticket-merge"),
    path("tickets/<str:number>/incident/", changes.TicketIncident.as_view(), name="api-ticket-incident"),
    path("tickets/<str:number>/contacted/", changes.TicketContacted.as_view(), name="api-ticket-contacted"),
    path("tickets/<str:number>/registration/", changes.TicketRegistration.as_view(), name="api-ticket-registration"),
    path("tickets/<str:number>/tags/", workspace.TicketTags.as_view(), name="api-ticket-tags"),
    path("canned-responses/", workspace.CannedList.as_view(), name="api-canned"),
    path("canned-responses/<int:pk>/", workspace.CannedDetail.as_view(), name="api-canned-detail"),
    path("callers/", tickets.CallerLookup.as_view(), name="api-callers"),
    path("categories/", tickets.CategoryList.as_view(), name="api-categories"),
    path("public/tickets/", public.PublicTicketCreate.as_view(), name="api-public-tickets"),
    path("public/tickets/status/", public.PublicStatus.as_view(), name="api-public-status"),
    path("public/tickets/<str:number>/<str:secret>/", public.PublicThread.as_view(), name="api-public-thread"),
    path("sms/inbound/", inbound.SmsInbound.as_view(), name="api-sms-inbound"),
]
