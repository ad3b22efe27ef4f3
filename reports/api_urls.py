from django.urls import path

from .api import dashboard, export, handover
from .api.base import csv_view

# Each table at reports/<name>/ (JSON) and reports/<name>.csv (its CSV twin).
TABLE_VIEWS = {
    "open": dashboard.OpenTable, "intake": dashboard.IntakeTable, "backlog": dashboard.BacklogTable,
    "sla": dashboard.SlaTable, "response-times": dashboard.ResponseTimesTable, "districts": dashboard.DistrictsTable,
    "position": dashboard.PositionTable, "categories": dashboard.CategoriesTable, "vendor": dashboard.VendorTable,
    "ratings": dashboard.RatingsTable, "incidents": dashboard.IncidentsTable, "tickets": export.TicketsTable,
    "shift-opened": handover.ShiftOpenedTable, "shift-closed": handover.ShiftClosedTable,
    "shift-pending": handover.ShiftPendingTable, "shift-breaches": handover.ShiftBreachesTable,
    "shift-notes": handover.ShiftNotesTable,
}

urlpatterns = [
    path("reports/shift/", handover.ShiftSummary.as_view(), name="reports-shift"),
    path("reports/handover-notes/", handover.HandoverNoteCreate.as_view(), name="reports-handover-notes"),
]
for _name, _view in TABLE_VIEWS.items():
    urlpatterns += [
        path(f"reports/{_name}/", _view.as_view(), name=f"reports-{_name}"),
        path(f"reports/{_name}.csv", csv_view(_view).as_view(), name=f"reports-{_name}-csv"),
    ]
