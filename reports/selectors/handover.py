"""The shift handover: opened, closed, pending, breaches, notes, open incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Priority, TicketEvent, TicketStatus

from .. import sources
from ..models import HandoverNote
from ..scope import Period, ReportScope
from ..tables import Column, Table
from .common import (
    OPEN_ORDER,
    _tickets,
)

# --- shift handover ------------------------------------------------------------------------

TICKET_COLUMNS = [
    Column("number", _("Ticket")), Column("created_at", _("Opened"), "datetime"),
    Column("district", _("District")), Column("category", _("Category")), Column("priority", _("Priority")),
    Column("status", _("Status")), Column("channel", _("Channel")),
]


def _ticket_rows(queryset):
    return (
        queryset.annotate(district_code=F("district__code"), category_code=F("category__code"))
        .values("number", "created_at", "district_code", "category_code", "priority", "status", "channel")
    )


def _as_ticket_row(row: dict) -> dict:
    row["district"] = row.pop("district_code")
    row["category"] = row.pop("category_code")
    return row


def shift_opened(scope: ReportScope, shift: Period, limit: int | None = None) -> Table:
    queryset = _ticket_rows(_tickets(scope).filter(created_at__gte=shift.start, created_at__lt=shift.end)
                            .order_by("created_at", "id"))
    rows = (_as_ticket_row(r) for r in (queryset[:limit] if limit else queryset.iterator(chunk_size=2000)))
    return Table(name="shift-opened", columns=TICKET_COLUMNS, rows=rows, meta={"shift": shift.as_dict()})


def _closing_events(scope: ReportScope, shift: Period):
    events = TicketEvent.objects.filter(
        kind="status_changed", to_value__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED],
        created_at__gte=shift.start, created_at__lt=shift.end,
    ).order_by("created_at", "id")
    if scope.district is not None:
        events = events.filter(ticket__district_id=scope.district_id)
    return events


def shift_closed(scope: ReportScope, shift: Period, limit: int | None = None) -> Table:
    """Tickets resolved or closed during the shift, from the audit trail (one row per move)."""
    queryset = _closing_events(scope, shift).values(
        "created_at", "to_value", number=F("ticket__number"), district=F("ticket__district__code"),
        priority=F("ticket__priority"), category=F("ticket__category__code"),
    )
    rows = queryset[:limit] if limit else queryset.iterator(chunk_size=2000)
    return Table(
        name="shift-closed",
        columns=[Column("number", _("Ticket")), Column("created_at", _("When"), "datetime"),
                 Column("to_value", _("Moved to")), Column("district", _("District")),
                 Column("category", _("Category")), Column("priority", _("Priority"))],
        rows=rows, meta={"shift": shift.as_dict()},
    )


def shift_summary(scope: ReportScope, shift: Period, now: dt.datetime) -> dict[str, Any]:
    opened = _tickets(scope).filter(created_at__gte=shift.start, created_at__lt=shift.end).aggregate(
        n=Count("id"), p1=Count("id", filter=Q(priority=Priority.P1)))
    closing = _closing_events(scope, shift).aggregate(
        resolved=Count("id", filter=Q(to_value=TicketStatus.RESOLVED)),
        closed=Count("id", filter=Q(to_value=TicketStatus.CLOSED)))
    return {
        "shift": shift.as_dict(),
        "opened": opened["n"], "opened_p1": opened["p1"],
        "resolved": closing["resolved"], "closed": closing["closed"],
        "open_now": _tickets(scope).filter(status__in=OPEN_ORDER).count(),
    }


def handover_notes(shift: Period, limit: int | None = None) -> Table:
    queryset = HandoverNote.objects.filter(created_at__gte=shift.start, created_at__lt=shift.end).values(
        "created_at", "body", author_name=F("author__username"), ticket_number=F("ticket__number"))
    rows = queryset[:limit] if limit else queryset.iterator(chunk_size=500)
    return Table(
        name="shift-notes",
        columns=[Column("created_at", _("Written"), "datetime"), Column("author_name", _("By")),
                 Column("ticket_number", _("Ticket")), Column("body", _("Note"))],
        rows=rows, meta={"shift": shift.as_dict()},
    )


def open_incidents(scope: ReportScope) -> Table:
    rows = sources.open_incidents(scope)
    return Table(
        name="incidents",
        columns=[Column("id", _("Incident"), "int"), Column("title", _("Title")), Column("status", _("Status")),
                 Column("severity", _("Severity")), Column("created_at", _("Opened"), "datetime"),
                 Column("tickets", _("Linked tickets"), "int")],
        rows=rows if rows is not None else [],
        meta={"available": rows is not None},
    )



def shift_pending(scope: ReportScope, shift: Period, now: dt.datetime, limit: int | None = None) -> Table:
    """Escalations still waiting for an acknowledgement now (tickets still open)."""
    found = sources.shift_escalations(scope, shift, now)
    rows = sources.pending_rows(found[0], now, limit) if found else []
    return Table(name="shift-pending", columns=sources.PENDING_COLUMNS, rows=rows,
                 meta={"shift": shift.as_dict(), "available": found is not None})


def shift_breaches(scope: ReportScope, shift: Period, now: dt.datetime, limit: int | None = None) -> Table:
    """SLA clocks that breached during the shift."""
    found = sources.shift_escalations(scope, shift, now)
    rows = sources.breach_rows(found[1], limit) if found else []
    return Table(name="shift-breaches", columns=sources.BREACH_COLUMNS, rows=rows,
                 meta={"shift": shift.as_dict(), "available": found is not None})


