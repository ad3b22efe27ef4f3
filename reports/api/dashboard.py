"""The dashboards' tables: open tickets, intake, backlog, SLA, response times, districts, a
district's position, categories, the vendor, ratings and open incidents."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema

from helpdesk.exceptions import InvalidInput

from .. import ratings as rating_tables
from .. import selectors
from . import schemas
from .base import DISTRICT_PARAM, PERIOD_PARAMS, ReportView, choice


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses={200: schemas.OpenTableOut},
               summary="Open tickets by status and priority (now)")
class OpenTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.open_by_status_priority(scope)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses={200: schemas.IntakeTableOut},
               summary="Today's intake by hour against the 28-day mean of the same hour")
class IntakeTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.intake_today(scope, now)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses={200: schemas.BacklogTableOut},
               summary="Open tickets by age bucket and priority (now)")
class BacklogTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.backlog_by_age(scope, now)


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMS, responses={200: schemas.SlaTableOut},
               summary="SLA compliance per clock: met, breached, running, at risk now")
class SlaTable(ReportView):
    window = "period"

    def build(self, request, scope, window, now):
        return selectors.sla_compliance(scope, window, now)


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMS, responses={200: schemas.ResponseTimesTableOut},
               summary="MTTA and MTTR, median and p90, wall-clock and business time")
class ResponseTimesTable(ReportView):
    window = "period"
    cached = True
    cache_name = "response-times"

    def build(self, request, scope, window, now):
        return selectors.response_times(scope, window)


@extend_schema(
    tags=["reports"], responses={200: schemas.DistrictsTableOut},
    summary="Districts ranked by breaches, backlog or reopen rate",
    parameters=[*PERIOD_PARAMS, OpenApiParameter("order", str, enum=list(selectors.DISTRICT_ORDERS),
                                                 description="Ranking; default breaches.")],
)
class DistrictsTable(ReportView):
    window = "period"
    cached = True
    cache_name = "districts"

    def cache_extra(self, request) -> tuple:
        return (("order", choice(request, "order", selectors.DISTRICT_ORDERS, "breaches")),)

    def build(self, request, scope, window, now):
        order = choice(request, "order", selectors.DISTRICT_ORDERS, "breaches")
        return selectors.districts(scope, window, now, order)


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMS, responses={200: schemas.PositionTableOut},
               summary="A district against the state average (desk staff name the district)")
class PositionTable(ReportView):
    window = "period"
    cached = True
    cache_name = "position"

    def build(self, request, scope, window, now):
        if scope.district is None:
            raise InvalidInput(_("Choose a district."), code="district_required", field="district")
        return selectors.district_position(scope, window, now)


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMS, responses={200: schemas.CategoriesTableOut},
               summary="Tickets opened in the period by category")
class CategoriesTable(ReportView):
    window = "period"
    cached = True
    cache_name = "categories"

    def build(self, request, scope, window, now):
        return selectors.categories(scope, window)


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMS, responses={200: schemas.VendorTableOut},
               summary="The vendor's accountability figures (from escalation)")
class VendorTable(ReportView):
    window = "period"
    cached = True
    cache_name = "vendor"

    def build(self, request, scope, window, now):
        return selectors.vendor_accountability(scope, window, now)


@extend_schema(tags=["reports"], parameters=PERIOD_PARAMS, responses={200: schemas.RatingsTableOut},
               summary="Citizens' ratings (1-5) given in the period, per vendor, district and category")
class RatingsTable(ReportView):
    window = "period"
    cached = True
    cache_name = "ratings"

    def build(self, request, scope, window, now):
        return rating_tables.ratings(scope, window)


@extend_schema(tags=["reports"], parameters=[DISTRICT_PARAM], responses={200: schemas.IncidentsTableOut},
               summary="Open incidents with their linked open tickets")
class IncidentsTable(ReportView):
    def build(self, request, scope, window, now):
        return selectors.open_incidents(scope)
