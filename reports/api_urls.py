from django.urls import path

from . import api

urlpatterns = [
    path("reports/shift/", api.ShiftSummary.as_view(), name="reports-shift"),
    path("reports/handover-notes/", api.HandoverNoteCreate.as_view(), name="reports-handover-notes"),
]
for _name, _view in api.TABLE_VIEWS.items():
    urlpatterns += [
        path(f"reports/{_name}/", _view.as_view(), name=f"reports-{_name}"),
        path(f"reports/{_name}.csv", api.csv_view(_view).as_view(), name=f"reports-{_name}-csv"),
    ]
