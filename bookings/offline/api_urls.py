from django.urls import path

from . import api

urlpatterns = [
    path("centre/sync/", api.SyncBatchView.as_view(), name="centre-sync"),
]
