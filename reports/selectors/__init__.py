"""Every figure on the dashboards, computed by the database (grouped and conditional
aggregates, percentile_cont on PostgreSQL). Each function returns a Table that feeds the JSON
API, the charts and the CSV export alike. Python only arranges the few aggregated rows.

Split by what the figures serve: `dashboard` (state and district dashboards), `handover` (the
shift handover), `export` (the ticket export, per-category table); `common` holds what they share.

Definitions (shown on the pages too):
- "open": the statuses in tickets.models.OPEN_STATUSES; "now" figures are about open tickets.
- period figures are about the tickets *opened* in the period (IST days, both inclusive), so
  every figure of a period describes the same set of tickets and uses the created_at indexes.
- time to acknowledge (MTTA): creation to first response; time to resolve (MTTR): creation to
  the (last) resolution. Median and p90 by the project's one definition (helpdesk.percentiles:
  linear interpolation between the closest ranks, percentile_cont).
- reopen rate: tickets reopened at least once / tickets resolved at least once.
"""

from .common import AGE_BUCKETS, OPEN_ORDER, PRIORITIES, USUAL_RATE_DAYS
from .dashboard import (
    DISTRICT_ORDERS,
    RESPONSE_MEASURES,
    backlog_by_age,
    district_position,
    districts,
    intake_today,
    open_by_status_priority,
    response_times,
    sla_compliance,
    vendor_accountability,
)
from .export import (
    EXPORT_COLUMNS,
    categories,
    ticket_export,
    ticket_export_queryset,
)
from .handover import (
    TICKET_COLUMNS,
    handover_notes,
    open_incidents,
    shift_breaches,
    shift_closed,
    shift_opened,
    shift_pending,
    shift_summary,
)

__all__ = [
    "AGE_BUCKETS",
    "DISTRICT_ORDERS",
    "EXPORT_COLUMNS",
    "OPEN_ORDER",
    "PRIORITIES",
    "RESPONSE_MEASURES",
    "TICKET_COLUMNS",
    "USUAL_RATE_DAYS",
    "backlog_by_age",
    "categories",
    "district_position",
    "districts",
    "handover_notes",
    "intake_today",
    "open_by_status_priority",
    "open_incidents",
    "response_times",
    "shift_breaches",
    "shift_closed",
    "shift_opened",
    "shift_pending",
    "shift_summary",
    "sla_compliance",
    "ticket_export",
    "ticket_export_queryset",
    "vendor_accountability",
]
